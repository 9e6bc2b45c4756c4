import { ConsoleClock } from '@/components/time/ConsoleClock';
import { TimeSettingsForm } from '@/components/time/TimeSettingsForm';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { listTimezones, loadTimeSettings } from '@/lib/time/loaders';

export default async function TimePage() {
  await requireRole('ADMIN', '/system-settings/time');
  const settings = await loadTimeSettings();
  return (
    <Card
      title="Time"
      description="The console's NTP server and time zone. Like every setting, they are journaled for replication to a paired console."
    >
      <div className="space-y-5">
        <ConsoleClock serverNow={settings.now} timeZone={settings.timezone} />
        <p className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950">
          The time zone is used to show times in the console (for example last sign-ins under Users). The NTP server is only stored: the
          console does not yet set or synchronise the appliance&rsquo;s operating-system clock. Configure time synchronisation on the host
          itself (for example chrony or systemd-timesyncd) with the same server.
        </p>
        <TimeSettingsForm ntpServer={settings.ntpServer} timezone={settings.timezone} timezones={listTimezones()} />
      </div>
    </Card>
  );
}
