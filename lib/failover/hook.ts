import type { Mode as FailoverMode, Role as FailoverRole } from '../ha/quorum.ts';
import { processSingleton } from '../runtime/process-singleton.ts';

// What the failover worker in server.ts's process tells the pages and actions of the same process
// (the Next.js bundle loads lib/ as a second module graph, so the hook lives on processSingleton).

// The state machine's own words for them (lib/ha/quorum.ts).
export type { Mode as FailoverMode, Role as FailoverRole } from '../ha/quorum.ts';

export type FailoverStatus = {
  role: FailoverRole;
  mode: FailoverMode;
  term: number;
  // False after a start until the peer or a majority of the sensors told this console the current term.
  termKnown: boolean;
  // Writes are accepted only while the lease is held (docs/architecture.md, "Failover").
  lease: { held: boolean; remainingMs: number | null; by: 'votes' | 'promise' | 'no-sensors' | null };
  votes: { self: number; peer: number | null; registered: number; confirmed: number };
  peer: { term: number; mode: FailoverMode; reachable: boolean } | null;
  handover: { since: number } | null;
  // One sample per second over the last ten minutes: sensors voting for this console and for the peer.
  history: Array<{ at: number; self: number; peer: number | null }>;
};

export type PromoteResult = { ok: true; term: number } | { ok: false; message: string };

export type FailoverRuntime = {
  status(): FailoverStatus;
  // Planned switchover: hands the active role to the peer with nothing lost.
  promote(): Promise<PromoteResult>;
  stop(): Promise<void>;
};

const hook = () => processSingleton('failover-runtime', () => ({ runtime: null as FailoverRuntime | null }));

export function failoverRuntime(): FailoverRuntime | null {
  return hook().runtime;
}

export function setFailoverRuntime(runtime: FailoverRuntime | null): void {
  hook().runtime = runtime;
}
