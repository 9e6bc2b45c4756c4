import type { ReactNode } from 'react';
import { SessionKeeper } from '@/components/auth/SessionKeeper';
import { ConsoleHeader } from '@/components/layout/ConsoleHeader';
import { requireRole } from '@/lib/auth/guard';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { loadConsoleFrame } from '@/lib/appliance/loaders';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireRole('READ_ONLY');
  const frame = await loadConsoleFrame();
  return (
    <SessionKeeper idleMinutes={frame.idleMinutes}>
      <ConsoleHeader
        consoleName={frame.consoleName}
        username={user.username}
        roleLabel={ROLE_LABELS[user.role]}
        isAdmin={user.role === 'ADMIN'}
      />
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </SessionKeeper>
  );
}
