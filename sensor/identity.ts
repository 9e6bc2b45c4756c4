import path from 'node:path';
import { z } from 'zod';
import { readJsonIfPresent, writeFileAtomic } from './files.ts';

// What a sensor keeps after registering, in <data-dir>/<name>/identity.json (mode 0600: it holds the
// credential). With it the sensor talks to the console without the connection-string token, and only to
// the console whose certificate fingerprint it pinned.
const identitySchema = z.object({
  name: z.string().min(1),
  sensorId: z.uuid(),
  credential: z.string().min(1),
  consoleFingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'a SHA-256 fingerprint (AB:CD:…)'),
  consoleAddress: z.string().min(1),
  registeredAt: z.string(),
});
export type Identity = z.infer<typeof identitySchema>;

// Highest HA term heard from any console: a restarted sensor must not forget it (docs/architecture.md, High availability).
const stateSchema = z.object({ highestTerm: z.number().int().nonnegative() });

export const identityFile = (dir: string) => path.join(dir, 'identity.json');
const stateFile = (dir: string) => path.join(dir, 'state.json');

export async function loadIdentity(dir: string): Promise<Identity | null> {
  const raw = await readJsonIfPresent(identityFile(dir));
  if (raw === undefined) return null;
  const parsed = identitySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${identityFile(dir)} is not a sensor identity (${issue.path.join('.')}: ${issue.message}). Remove it to register again.`,
    );
  }
  return parsed.data;
}

export async function saveIdentity(dir: string, identity: Identity): Promise<void> {
  await writeFileAtomic(identityFile(dir), `${JSON.stringify(identity, null, 2)}\n`, 0o600);
}

export async function loadHighestTerm(dir: string): Promise<number> {
  const parsed = stateSchema.safeParse(await readJsonIfPresent(stateFile(dir)));
  return parsed.success ? parsed.data.highestTerm : 0;
}

export async function saveHighestTerm(dir: string, highestTerm: number): Promise<void> {
  await writeFileAtomic(stateFile(dir), JSON.stringify({ highestTerm }), 0o644);
}

// The other console of the pair, as the console's heartbeat answers name it: where to fail over to and
// the certificate to pin there, kept across restarts.
const peersSchema = z.array(z.object({ address: z.string(), port: z.number().int(), fingerprint: z.string(), role: z.string() }));
export type KnownPeer = z.infer<typeof peersSchema>[number];
const peersFile = (dir: string) => path.join(dir, 'peers.json');

export async function loadPeers(dir: string): Promise<KnownPeer[]> {
  const parsed = peersSchema.safeParse(await readJsonIfPresent(peersFile(dir)));
  return parsed.success ? parsed.data : [];
}

export async function savePeers(dir: string, peers: readonly KnownPeer[]): Promise<void> {
  await writeFileAtomic(peersFile(dir), JSON.stringify(peers), 0o644);
}
