import type { ReactNode } from 'react';
import { SessionKeeper } from '@/components/auth/SessionKeeper';
import { ConsoleHeader } from '@/components/layout/ConsoleHeader';
import { PeerAwayBanner } from '@/components/ha/PeerAwayBanner';
import { PrimaryRestoredBanner } from '@/components/ha/PrimaryRestoredBanner';
import { ReadOnlyBanner } from '@/components/layout/ReadOnlyBanner';
import { ReadOnlyWatch } from '@/components/layout/ReadOnlyWatch';
import { requireRole } from '@/lib/auth/guard';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { loadConsoleFrame } from '@/lib/appliance/loaders';
import { loadPrimaryRestoredNotice } from '@/lib/failover/loaders';
import { loadReadOnlyNotice } from '@/lib/ha/loaders';
import { loadPeerAwayNotice } from '@/lib/replication/loaders';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireRole('READ_ONLY');
  const [frame, readOnly, peerAway, restored] = await Promise.all([
    loadConsoleFrame(),
    loadReadOnlyNotice(),
    loadPeerAwayNotice(),
    loadPrimaryRestoredNotice(),
  ]);
  return (
    <SessionKeeper idleMinutes={frame.idleMinutes}>
      <ConsoleHeader
        consoleName={frame.consoleName}
        username={user.username}
        roleLabel={ROLE_LABELS[user.role]}
        isAdmin={user.role === 'ADMIN'}
      />
      {/* The frozen primary's banner is the read-only one: its message names the active console and links to it. */}
      {restored ? <PrimaryRestoredBanner notice={restored} /> : null}
      {readOnly ? <ReadOnlyBanner notice={readOnly} /> : null}
      {peerAway ? <PeerAwayBanner notice={peerAway} /> : null}
      <ReadOnlyWatch readOnly={readOnly !== null} />
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </SessionKeeper>
  );
}
