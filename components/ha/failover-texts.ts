import type { FailoverMode, FailoverStatus } from '@/lib/failover/hook';
import type { RoleChangeAction, TimelineEntry } from '@/lib/failover/timeline';

// The words of the failover panel, the Overview card and the timeline, kept pure so they can be tested.

export const MODE_LABELS: Record<FailoverMode, string> = { ACTIVE: 'Active', STANDBY: 'Standby', FROZEN: 'Frozen' };

export const ACTION_LABELS: Record<RoleChangeAction, string> = {
  'ha.takeover': 'Takeover',
  'ha.restore': 'Restore',
  'ha.step-down': 'Step-down',
  'ha.switchover': 'Switchover',
  'ha.term-learned': 'Term learned',
};

// Who is active, as this console knows it.
export type ActiveConsole = { who: 'self'; text: string } | { who: 'peer'; text: string; stale: boolean } | { who: 'none'; text: string };

export function activeConsole(status: FailoverStatus, peerName: string): ActiveConsole {
  if (status.mode === 'ACTIVE')
    return status.handover
      ? { who: 'self', text: `This console, handing over to ${peerName}: writes are stopped until it has taken over` }
      : { who: 'self', text: 'This console' };
  if (status.peer?.mode === 'ACTIVE')
    return status.peer.reachable
      ? { who: 'peer', text: peerName, stale: false }
      : { who: 'peer', text: `${peerName}, when it last answered (it does not answer now)`, stale: true };
  if (!status.termKnown) return { who: 'none', text: 'Not known yet: this console is still learning the current term' };
  return { who: 'none', text: 'Neither console is active at the moment' };
}

// More than half of the registered sensors: what a console that is not active needs to take over.
export const majorityOf = (registered: number) => Math.floor(registered / 2) + 1;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sensors = (n: number) => `${n} ${n === 1 ? 'sensor' : 'sensors'}`;

// Whether this console may write, and why (docs/architecture.md, "Failover": the lease).
export function leaseText(status: FailoverStatus): string {
  const { lease, votes } = status;
  if (lease.held) {
    const left = (renewed: string) => (lease.remainingMs !== null ? ` (${seconds(lease.remainingMs)} left, renewed ${renewed})` : '');
    if (lease.by === 'promise') return `Held: the peer promised not to take over${left('while it answers')}`;
    if (lease.by === 'no-sensors') return 'Held: no sensors are registered, so none can vote for the other console';
    return `Held: ${votes.self} of ${sensors(votes.registered)} vote for this console, at least half${left('as votes arrive')}`;
  }
  if (status.mode !== 'ACTIVE') return `Not held: this console is ${MODE_LABELS[status.mode].toLowerCase()}, not active`;
  if (status.handover) return 'Not held: writes are stopped for the switchover to the peer';
  if (!status.termKnown) return 'Not held: this console is still learning the current term';
  return `Not held: only ${votes.self} of ${sensors(votes.registered)} vote for this console, fewer than half, and the peer has not promised to stay away; writes are refused`;
}

export function termText(status: FailoverStatus): string {
  return status.termKnown ? String(status.term) : `${status.term} (not confirmed yet: learning the current term)`;
}

export function selfVotesText(status: FailoverStatus): string {
  const { self, registered, confirmed } = status.votes;
  const base = `${self} of ${sensors(registered)}`;
  if (status.mode === 'ACTIVE' || registered === 0) return base;
  return `${base}; ${confirmed} for the whole confirmation time (a takeover needs ${majorityOf(registered)})`;
}

export function peerVotesText(status: FailoverStatus): string {
  const { peer, registered } = status.votes;
  if (peer === null) return 'Not known: the peer has not told this console';
  return `${peer} of ${sensors(registered)}${status.peer && !status.peer.reachable ? ' (when it last answered)' : ''}`;
}

// A mode or role the worker recorded, in the words of the page; anything else as it was written.
export function modeWord(value: string | null): string {
  if (value === null) return '—';
  return value in MODE_LABELS ? MODE_LABELS[value as FailoverMode] : value;
}

export function changeText(entry: Pick<TimelineEntry, 'from' | 'to'>): string {
  return entry.from === null && entry.to === null ? '—' : `${modeWord(entry.from)} → ${modeWord(entry.to)}`;
}

// Vote counts the worker recorded with the change, when it did.
export function countsText(entry: Pick<TimelineEntry, 'fresh' | 'confirmed' | 'registered'>): string | null {
  if (entry.registered === null) return null;
  const parts = [entry.fresh !== null ? `${entry.fresh} voting` : null, entry.confirmed !== null ? `${entry.confirmed} confirmed` : null];
  const known = parts.filter((p): p is string => p !== null);
  return known.length ? `${known.join(', ')} of ${entry.registered} registered` : `${entry.registered} registered`;
}

// Why "Make the peer active" cannot be used now, or null when it can.
export function switchoverUnavailable(status: FailoverStatus, peerName: string): string | null {
  if (status.mode !== 'ACTIVE')
    return status.peer?.mode === 'ACTIVE'
      ? `Only the active console hands over its role: ${peerName} is active, so a switchover is started there.`
      : 'Only the active console hands over its role, and this console is not active.';
  if (status.handover) return `A switchover to ${peerName} is under way.`;
  if (!status.peer?.reachable) return `${peerName} does not answer, so it cannot take over.`;
  return null;
}
