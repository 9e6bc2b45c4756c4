#!/usr/bin/env -S node_modules/.bin/tsx
// Restores this console's data from a backup archive made by the same software version: the given
// file, or the newest ready backup in the backups directory, decrypted with the identity (age secret
// key) given with -i. Refuses, changing nothing, otherwise.
import { parseArgs } from 'node:util';
import { newestBackupFile } from '../lib/backups/files.ts';
import { readIdentityInput } from '../lib/backups/identity-input.ts';
import { restoreBackup } from '../lib/backups/restore.ts';
import { requireRoot, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

const COMMAND = 'cyberx-management-system-restore';
const USAGE = `usage: ${COMMAND} -i <identity file, or - for standard input> [-b <backup file>]`;

await runCommand(COMMAND, async () => {
  let args;
  try {
    args = parseArgs({ options: { b: { type: 'string' }, i: { type: 'string' } }, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!args.values.i) throw new UsageError(`Backups are encrypted: give the identity file that opens them with -i.\n${USAGE}`);
  requireRoot(COMMAND);
  const identity = await readIdentityInput(args.values.i);
  if (!identity.ok) throw new RefusedError(identity.message);
  const file = args.values.b ?? (await newestBackupFile());
  if (!file)
    throw new RefusedError(
      'There is no ready backup in the backups directory. Make one (cyberx-management-backup -full) or give a file with -b.',
    );
  const outcome = await restoreBackup(file, identity.keys, { username: `cli:${process.env.SUDO_USER ?? 'root'}` });
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
