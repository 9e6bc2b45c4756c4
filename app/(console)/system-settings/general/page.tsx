import { ConsoleNameForm } from '@/components/settings/ConsoleNameForm';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { loadConsoleNameSettings } from '@/lib/appliance/loaders';

export default async function GeneralPage() {
  await requireRole('ADMIN', '/system-settings/general');
  const settings = await loadConsoleNameSettings();
  return (
    <Card title="General" description="How this console presents itself.">
      <ConsoleNameForm name={settings.name} domain={settings.domain} />
    </Card>
  );
}
