import type { HighAvailabilityView } from '@/lib/trusted-hosts/loaders';
import type { HaStatusView } from '@/lib/replication/status';

export const ROLE_LABELS: Record<HaStatusView['configuredRole'], string> = {
  STANDALONE: 'Standalone',
  PRIMARY: 'Primary',
  SECONDARY: 'Secondary',
};

export const STATE_LABELS: Record<HaStatusView['state'], string> = { ACTIVE: 'Active', STANDBY: 'Standby', FROZEN: 'Frozen' };

export const PEER_STATUS_LABELS: Record<NonNullable<HaStatusView['peer']>['status'], string> = {
  PENDING: 'Pending',
  PAIRED: 'Paired',
  UNREACHABLE: 'Unreachable',
};

export function ago(seconds: number | null): string {
  if (seconds === null) return 'never';
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

export function percentOf(rows: number, total: number, done: boolean): number {
  if (total === 0) return done ? 100 : 0;
  return Math.min(100, Math.floor((rows / total) * 100));
}

// What the other console needs to run to leave the pair (the reference's procedure: each side unpairs itself).
export function unpairCommands(selfDomain: string): string {
  return `sudo cyberx-management-trusted-hosts-remove -d ${selfDomain}\nsudo cyberx-management-trusted-hosts-apply`;
}

// One sentence that says where this console stands in its pair.
export function haSummary({ status }: Pick<HighAvailabilityView, 'status'>): string {
  const { peer, configuredRole } = status;
  if (!peer)
    return configuredRole === 'STANDALONE'
      ? 'This console is standalone: it is not paired with another console.'
      : `This console trusts no host but is still configured as ${configuredRole.toLowerCase()}: apply to make it standalone.`;
  if (peer.status === 'PENDING')
    return peer.role === 'SECONDARY'
      ? `Pairing with ${peer.domain} is pending: apply it to make ${peer.domain} the secondary of this console.`
      : `This console is the pending secondary of ${peer.domain}: the pair takes effect when it is applied on the primary.`;
  const unreachable = peer.status === 'UNREACHABLE' ? ` ${peer.domain} is unreachable at the moment.` : '';
  return configuredRole === 'PRIMARY'
    ? `This console is the primary; ${peer.domain} is its secondary.${unreachable}`
    : `This console is the secondary of ${peer.domain}, the primary.${unreachable}`;
}

// The snapshot that starts a pair, as the side that sends or receives it recorded it.
export function snapshotText(snapshot: NonNullable<HaStatusView['snapshot']>, peer: string): { text: string; percent: number } {
  const done = snapshot.state === 'done';
  const percent = percentOf(snapshot.rows, snapshot.total, done);
  const rows = snapshot.rows.toLocaleString('en-US');
  const of = `${rows} of ${snapshot.total.toLocaleString('en-US')} rows (${percent}%)`;
  if (snapshot.state === 'sending') return { text: `Sending snapshot to ${peer}: ${of}`, percent };
  if (snapshot.state === 'receiving') return { text: `Receiving snapshot from ${peer}: ${of}`, percent };
  if (done) return { text: `Snapshot complete: ${rows} rows (100%).`, percent: 100 };
  return { text: `Snapshot: ${snapshot.state}`, percent };
}
