#!/usr/bin/env -S node_modules/.bin/tsx
// Makes a full backup of this console now (a consistent snapshot of its database) into the backups
// directory, encrypted to the recipient set under System Settings → Backups, and prints where it is,
// its size, its SHA-256 and the recipient.
import { createBackup } from '../lib/backups/create.ts';
import { requireRoot, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

const COMMAND = 'cyberx-management-backup';
const USAGE = `usage: ${COMMAND} -full`;

await runCommand(COMMAND, async () => {
  // The reference command takes a single-dash long option, which node:util parseArgs cannot express.
  const args = process.argv.slice(2);
  if (args.length !== 1 || !['-full', '--full'].includes(args[0]!)) throw new UsageError(USAGE);
  requireRoot(COMMAND);
  const outcome = await createBackup({ kind: 'manual', actor: { username: `cli:${process.env.SUDO_USER ?? 'root'}` } });
  if (!outcome.ok) throw new RefusedError(outcome.message);
  process.stdout.write(
    `Backup written: ${outcome.file}\n  size:   ${outcome.sizeBytes} bytes\n  sha256: ${outcome.sha256}\n  encrypted to: ${outcome.recipient}\n`,
  );
});
