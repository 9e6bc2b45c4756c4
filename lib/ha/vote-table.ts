import { processSingleton } from '../runtime/process-singleton.ts';
import { issueStamp, verifyStamp } from './stamp.ts';
import { nextVote, type Vote } from './votes.ts';

// The votes of this process, one per sensor, fed by the heartbeat handler and read by the failover tick.
// One per process (both module graphs of server.ts and Next share it). Bounded by the number of sensors that
// authenticate: callers pass only authenticated sensor ids, and forget() a sensor that is removed.
const table = () => processSingleton('ha.vote-table', () => new Map<string, Vote>());

export type BeatOutcome = { stamp: string } | { stamp: null };

// A heartbeat from `sensorId` arrived at `now` (this console's monotonic ms). A probe is a reachability
// check, not a vote: nothing is recorded and no stamp is issued. Otherwise the echoed stamp is checked, the
// vote advanced, and a new stamp handed out (remembered as `issued`, so that only its echo continues the run).
export function recordBeat(sensorId: string, beat: { stamp?: string; probe?: boolean }, now: number): BeatOutcome {
  if (beat.probe) return { stamp: null };
  const echoAt = beat.stamp === undefined ? null : verifyStamp(sensorId, beat.stamp);
  const vote = nextVote(table().get(sensorId), { echoAt, arrival: now });
  const stamp = issueStamp(sensorId, now);
  table().set(sensorId, { ...vote, issued: now });
  return { stamp };
}

// The votes for the tick (copies: the tick must not see them change under it).
export function votes(): Vote[] {
  return [...table().values()].map((vote) => ({ ...vote }));
}

// The design's name for votes().
export const snapshot = votes;

export function forget(sensorId: string): void {
  table().delete(sensorId);
}

export function clear(): void {
  table().clear();
}
