#!/usr/bin/env -S node_modules/.bin/tsx
// Restores this console's data from a backup archive made by the same software version: the given
// file, or the newest ready backup in the backups directory. Refuses, changing nothing, otherwise.
import { parseArgs } from 'node:util';
import { newestBackupFile } from '../lib/backups/files.ts';
import { restoreBackup } from '../lib/backups/restore.ts';
import { requireRoot, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

const COMMAND = 'cyberx-management-system-restore';
const USAGE = `usage: ${COMMAND} [-b <backup file>]`;

await runCommand(COMMAND, async () => {
  let args;
  try {
    args = parseArgs({ options: { b: { type: 'string' } }, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  requireRoot(COMMAND);
  const file = args.values.b ?? (await newestBackupFile());
  if (!file)
    throw new RefusedError(
      'There is no ready backup in the backups directory. Make one (cyberx-management-backup -full) or give a file with -b.',
    );
  const outcome = await restoreBackup(file, { username: `cli:${process.env.SUDO_USER ?? 'root'}` });
  if (!outcome.ok) throw new RefusedError(outcome.message);
  const { manifest, rows } = outcome;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `Restored ${file}\n  made ${manifest.createdAt} on ${manifest.appliance.domain} (version ${manifest.softwareVersion})\n` +
      `  ${Object.keys(rows).length} tables, ${total} rows: ${Object.entries(rows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}\n`,
  );
});
