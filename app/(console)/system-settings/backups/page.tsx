import { BackupKeyPanel } from '@/components/backups/BackupKeyPanel';
import { BackupScheduleForm } from '@/components/backups/BackupScheduleForm';
import { BackupsPanel } from '@/components/backups/BackupsPanel';
import { Card } from '@/components/ui/Card';
import { appliancePaths } from '@/lib/appliance/paths';
import { SOFTWARE_VERSION } from '@/lib/appliance/version';
import { requireRole } from '@/lib/auth/guard';
import { loadBackupList } from '@/lib/backups/data';
import { nextRun } from '@/lib/backups/schedule';
import { getSetting } from '@/lib/settings/data';
import { formatZonedTime } from '@/lib/time/format';
import { listTimezones } from '@/lib/time/loaders';

export default async function BackupsPage() {
  await requireRole('ADMIN', '/system-settings/backups');
  const [backups, schedule, recipient] = await Promise.all([
    loadBackupList(),
    getSetting('backup.schedule'),
    getSetting('backup.recipient'),
  ]);
  const next = formatZonedTime(nextRun(schedule, new Date()), schedule.timezone);
  return (
    <>
      <Card
        title="Backups"
        description={`Archives are kept in ${appliancePaths().backups} on the appliance, encrypted with age (.tar.gz.age).`}
      >
        <BackupsPanel backups={backups} hasKey={recipient !== ''} />
      </Card>
      <section id="encryption-key">
        <Card
          title="Encryption key"
          description="Backups hold password hashes and the connection token, so they are encrypted to an age key. The console keeps only its public half (the recipient); the identity (secret key) stays with you and is needed to restore."
        >
          <BackupKeyPanel recipient={recipient} />
        </Card>
      </section>
      <Card
        title="Schedule"
        description="Scheduled backups run at this local time; older scheduled backups beyond the number to keep are deleted. Manual backups are never deleted automatically."
      >
        <div className="space-y-4">
          <p className="text-sm text-slate-700" data-testid="next-backup">
            Next scheduled backup: {next.date} {next.time.slice(0, 5)} {schedule.timezone} ({next.offset})
          </p>
          <BackupScheduleForm schedule={schedule} timezones={listTimezones()} />
        </div>
      </Card>
      <Card
        title="Restore"
        description="Restoring replaces all console data (settings, users, sensors, journal and audit trail) with the backup's."
      >
        <div className="space-y-2 text-sm text-slate-700">
          <p>
            Restore is done from the appliance&rsquo;s command line only, as root, and only from a backup made by the same version (this
            console runs {SOFTWARE_VERSION}):
          </p>
          <pre className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs">
            {
              'sudo cyberx-management-system-restore -i <identity file>              # the newest backup\nsudo cyberx-management-system-restore -i <identity file> -b <file>    # a given archive'
            }
          </pre>
          <p>A backup that is damaged, incomplete, encrypted to another key or from another version is refused and nothing is changed.</p>
        </div>
      </Card>
    </>
  );
}
