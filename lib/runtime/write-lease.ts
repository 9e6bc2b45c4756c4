import { processSingleton } from './process-singleton.ts';

// Fencing (docs/architecture.md, "Failover"): the active console of a pair accepts people's changes only
// while it holds the lease. The failover worker in server.ts's process sets the gate; lib/auth and
// lib/journal cannot import it (it imports the domains that import them), so the hook lives here, one
// per process. Without a gate (unpaired, or a command-line process) writes go on as before.

// Proof that the lease was held when the write began: the write is confirmed only if the same lease
// still holds once it has committed.
export type LeaseToken = { term: number; until: number };
export type LeaseCheck = { ok: true; token: LeaseToken | null } | { ok: false; message: string };

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
