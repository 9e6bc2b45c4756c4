import type { FailoverStatus } from './hook.ts';

// "The primary console has been restored" (issue 9): said on the secondary that was active while the primary
// was away, once the primary has taken the active role back. The secondary is on standby again, its peer (the
// primary) is active and answering, and this console's own latest role change is the step-down the restore
// caused — not a switchover asked for by an operator, and not a secondary that was never active.
export function primaryRestored(status: FailoverStatus, latestOwnRoleChange: string | null): boolean {
  return (
    status.role === 'SECONDARY' &&
    status.mode === 'STANDBY' &&
    status.peer !== null &&
    status.peer.reachable &&
    status.peer.mode === 'ACTIVE' &&
    latestOwnRoleChange === 'ha.step-down'
  );
}
