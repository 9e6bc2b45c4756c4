import { processSingleton } from '../runtime/process-singleton.ts';

// How far a sensor may drop events from its outbox (docs/sensor-protocol.md, "Events"). Alone, a console
// releases what it has committed (ackedSeq). Paired, it releases only what its peer holds too, so losing a
// whole console loses no event a sensor dropped — unless the peer has been unreachable past the window and
// strict mode is off (then committed is enough again, and the console says so loudly).
// The replication runtime sets the policy while it replicates; lib/sensors cannot import it (it imports
// lib/sensors), so the hook lives here, one per process.
export type DurabilityPolicy = (seqs: { ackedSeq: number; replicatedSeq: number }) => number;

const holder = () => processSingleton('sensor-durability', () => ({ policy: null as DurabilityPolicy | null }));

export function setDurabilityPolicy(policy: DurabilityPolicy | null): void {
  holder().policy = policy;
}

export function durableSeq(ackedSeq: number, replicatedSeq: number): number {
  const policy = holder().policy;
  return policy ? Math.min(ackedSeq, policy({ ackedSeq, replicatedSeq })) : ackedSeq;
}
