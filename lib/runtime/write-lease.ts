import { processSingleton } from './process-singleton.ts';

// Fencing (docs/architecture.md, "Failover"): the active console of a pair accepts people's changes only
// while it holds the lease. The failover worker in server.ts's process sets the gate; lib/auth and
// lib/journal cannot import it (it imports the domains that import them), so the hook lives here, one
// per process. Without a gate (unpaired, or a command-line process) writes go on as before.

// Proof that the lease was held when the write began: the write is confirmed only if the same lease
// still holds once it has committed.
export type LeaseToken = { term: number; until: number };
// `transient`: an active console between leases (or one still starting), which may hold one again within a
// tick or two; anything else (standby, frozen, handing over) stays refused until the roles change.
export type LeaseCheck = { ok: true; token: LeaseToken | null } | { ok: false; message: string; transient: boolean };

export type WriteLeaseGate = {
  check(): LeaseCheck;
  stillHeld(token: LeaseToken): boolean;
};

const holder = () => processSingleton('write-lease', () => ({ gate: null as WriteLeaseGate | null }));

export function setWriteLeaseGate(gate: WriteLeaseGate | null): void {
  holder().gate = gate;
}

export function writeLease(): LeaseCheck {
  const gate = holder().gate;
  return gate ? gate.check() : { ok: true, token: null };
}

export function leaseStillHeld(token: LeaseToken | null): boolean {
  const gate = holder().gate;
  return token === null || gate === null || gate.stillHeld(token);
}

// How long a person's change waits for a lease that lapsed a moment ago before it is refused. A lease
// rests on the peer's promise, asked every tick, or on sensor votes; a console hiccup of a few hundred ms
// (a busy event loop, a slow answer) lets it run out while the console still leads. Waiting the length of a
// few ticks turns that into a short delay instead of a refusal. Safety is unchanged: the lease is checked
// again when the wait ends, and once more after the change has committed.
export const LEASE_WAIT_MS = 1000;
const LEASE_POLL_MS = 50;

export async function awaitWriteLease(waitMs = LEASE_WAIT_MS): Promise<LeaseCheck> {
  const until = performance.now() + waitMs;
  let lease = writeLease();
  while (!lease.ok && lease.transient && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    lease = writeLease();
  }
  return lease;
}
