import { IdleTimeoutForm } from '@/components/settings/IdleTimeoutForm';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { getSetting } from '@/lib/settings/data';

export default async function SessionsPage() {
  await requireRole('ADMIN', '/system-settings/sessions');
  const minutes = await getSetting('session.idleTimeoutMinutes');
  return (
    <Card title="Idle sign-out" description="Operators are signed out after this long without activity.">
      <IdleTimeoutForm minutes={minutes} />
    </Card>
  );
}
