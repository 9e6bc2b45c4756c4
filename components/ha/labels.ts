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
