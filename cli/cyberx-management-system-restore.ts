// Restores this console's data from a backup archive made by the same software version: the given
// file, or the newest ready backup in the backups directory, decrypted with the identity (age secret
// key) given with -i. Refuses, changing nothing, otherwise.
import { newestBackupFile } from '../lib/backups/files.ts';
import { readIdentityInput } from '../lib/backups/identity-input.ts';
import { restoreBackup } from '../lib/backups/restore.ts';
import { cliActor, parseOptions, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

await runCommand({
  name: 'cyberx-management-system-restore',
  usage: '-i <identity file, or - for standard input> [-b <backup file>]',
  summary:
    "Replaces all of this console's data (settings, users, sensors, journal, audit trail) with a backup's. Only an\nintact backup made by the same version, opened by the right identity, is accepted; anything else is refused\nwith the reason and nothing changes.",
  options: [
    ['-i <identity file>', 'the age identity (secret key) the backup was encrypted to; - reads it from standard input'],
    ['-b <backup file>', 'the archive to restore (default: the newest ready backup in the backups directory)'],
  ],
  root: true,
  parse: (args) => {
    const values = parseOptions(args, { b: { type: 'string' }, i: { type: 'string' } }).values;
    if (!values.i) throw new UsageError('Backups are encrypted: give the identity file that opens them with -i.');
    return { b: values.b, i: values.i };
  },
  async run({ b, i }) {
    const identity = await readIdentityInput(i);
    if (!identity.ok) throw new RefusedError(identity.message);
    const file = b ?? (await newestBackupFile());
    if (!file)
      throw new RefusedError(
        'There is no ready backup in the backups directory. Make one (cyberx-management-backup -full) or give a file with -b.',
      );
    const outcome = await restoreBackup(file, identity.keys, cliActor());
    if (!outcome.ok) throw new RefusedError(outcome.message);
    const { manifest, rows } = outcome;
    const total = Object.values(rows).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `Restored ${file}: made ${manifest.createdAt} on ${manifest.appliance.domain} (version ${manifest.softwareVersion}), ` +
        `${Object.keys(rows).length} tables, ${total} rows\n`,
    );
  },
});
