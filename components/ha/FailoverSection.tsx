import type { FailoverStatus } from '@/lib/failover/hook';
import type { FailoverView } from '@/lib/failover/loaders';
import { Card } from '../ui/Card';
import { FailoverPanel } from './FailoverPanel';
import { switchoverUnavailable } from './failover-texts';
import { RoleTimeline } from './RoleTimeline';
import { SwitchoverButton } from './SwitchoverButton';

// The High Availability page of a paired console, below the pair's status: failover, the planned
// switchover and the role changes. Rendered on the server and handed to the (client) section as a slot.
export function FailoverSection({ view }: { view: FailoverView & { status: FailoverStatus } }) {
  const peerName = view.peer?.domain ?? 'the peer';
  return (
    <>
      <FailoverPanel status={view.status} peer={view.peer} />
      <Card
        title="Planned switchover"
        description={`Hands the active role to ${peerName} with nothing lost and swaps the configured roles: ${peerName} becomes the primary, this console its secondary (the reference's "define the secondary as the primary"). The same on the command line: sudo cyberx-management-ha-promote.`}
      >
        <SwitchoverButton peer={peerName} unavailable={switchoverUnavailable(view.status, peerName)} />
      </Card>
      <RoleTimeline timeline={view.timeline} />
    </>
  );
}
