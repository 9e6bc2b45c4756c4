import type { ReactNode } from 'react';
import { SettingsNav } from '@/components/layout/SettingsNav';
import { requireRole } from '@/lib/auth/guard';

export default async function SystemSettingsLayout({ children }: { children: ReactNode }) {
  await requireRole('ADMIN', '/system-settings');
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">System Settings</h1>
      <div className="grid gap-6 md:grid-cols-[12rem_1fr]">
        <SettingsNav />
        <div className="space-y-6">{children}</div>
      </div>
    </div>
  );
}
