import { randomBytes } from 'node:crypto';
import { processSingleton } from '../runtime/process-singleton.ts';
import type { ProofPurpose } from './proof.ts';

// Outstanding challenges (step 1 of a token proof), in memory: single use, short-lived, bounded.
// At most `maxEntries` in all (the oldest goes first) and `maxPerAddress` per client address (that
// address's oldest goes first), so one address flooding step 1 evicts its own challenges, not everyone's.
export type Challenge = {
  id: string;
  purpose: ProofPurpose;
  ip: string;
  clientNonce: string;
  serverNonce: string;
  // The certificate the console served when it answered: the client's proof must be over it.
  fingerprint: string;
  expiresAt: number;
};

export const CHALLENGE_TTL_MS = 30_000;
const CHALLENGE_ID = /^[A-Za-z0-9_-]{22}$/;

export const isChallengeId = (value: string): boolean => CHALLENGE_ID.test(value);

export class ChallengeStore {
  // Insertion order = issue order = expiry order (one TTL for all).
  private readonly byId = new Map<string, Challenge>();
  private readonly byAddress = new Map<string, string[]>();

  constructor(
    private readonly ttlMs = CHALLENGE_TTL_MS,
    private readonly maxEntries = 10_000,
    private readonly maxPerAddress = 64,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  issue(input: Omit<Challenge, 'id' | 'expiresAt'>, now: number): Challenge {
    this.dropExpired(now);
    const challenge: Challenge = { ...input, id: randomBytes(16).toString('base64url'), expiresAt: now + this.ttlMs };
    const mine = () => this.byAddress.get(input.ip) ?? [];
    while (mine().length >= this.maxPerAddress) this.remove(mine()[0]!);
    while (this.byId.size >= this.maxEntries) this.remove(this.byId.keys().next().value!);
    this.byId.set(challenge.id, challenge);
    this.byAddress.set(input.ip, [...mine(), challenge.id]);
    return challenge;
  }

  // The challenge, removed whatever the caller then decides: a second use of the same id finds nothing.
  take(id: string, now: number): Challenge | null {
    const challenge = this.byId.get(id);
    if (!challenge) return null;
    this.remove(id);
    return challenge.expiresAt > now ? challenge : null;
  }

  private dropExpired(now: number): void {
    for (const [id, c] of this.byId) {
      if (c.expiresAt > now) break;
      this.remove(id);
    }
  }

  private remove(id: string): void {
    const challenge = this.byId.get(id);
    if (!challenge) return;
    this.byId.delete(id);
    const rest = (this.byAddress.get(challenge.ip) ?? []).filter((x) => x !== id);
    if (rest.length === 0) this.byAddress.delete(challenge.ip);
    else this.byAddress.set(challenge.ip, rest);
  }
}

// One store per process (processSingleton): server.ts and the Next.js bundle both answer token proofs.
export function sharedChallenges(): ChallengeStore {
  return processSingleton('token-proof.challenges', () => new ChallengeStore());
}
