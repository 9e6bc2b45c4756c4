// Restores this console's data from a backup archive made by the same software version: the given
// file, or the newest ready backup in the backups directory. Refuses, changing nothing, otherwise.
import { newestBackupFile } from '../lib/backup/files.ts';
import { restoreBackup } from '../lib/backup/restore.ts';
import { cliActor, parseOptions, runCommand, RefusedError } from '../lib/cli/run.ts';

await runCommand({
  name: 'cyberx-management-system-restore',
  usage: '[-b <backup file>]',
  summary:
    "Replaces all of this console's data (settings, users, sensors, journal, audit trail) with a backup's. Only an\nintact backup made by the same version is accepted; anything else is refused with the reason and nothing changes.",
  options: [['-b <backup file>', 'the archive to restore (default: the newest ready backup in the backups directory)']],
  root: true,
  parse: (args) => parseOptions(args, { b: { type: 'string' } }).values,
  async run({ b }) {
    const file = b ?? (await newestBackupFile());
    if (!file)
      throw new RefusedError(
        'There is no ready backup in the backups directory. Make one (cyberx-management-backup -full) or give a file with -b.',
      );
    const outcome = await restoreBackup(file, cliActor());
    if (!outcome.ok) throw new RefusedError(outcome.message);
    const { manifest, rows } = outcome;
    const total = Object.values(rows).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `Restored ${file}\n  made ${manifest.createdAt} on ${manifest.appliance.domain} (version ${manifest.softwareVersion})\n` +
        `  ${Object.keys(rows).length} tables, ${total} rows: ${Object.entries(rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}\n`,
    );
  },
});
