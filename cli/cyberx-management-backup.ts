// Makes a full backup of this console now (a consistent snapshot of its database) into the backups
// directory, encrypted to the recipient set under System Settings → Backups, and prints where it is,
// its size, its SHA-256 and the recipient.
import { createBackup } from '../lib/backups/create.ts';
import { cliActor, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

await runCommand({
  name: 'cyberx-management-backup',
  usage: '-full',
  summary:
    "Makes a full backup of this console now (a consistent snapshot of its database) into the backups directory,\nencrypted with age to the key set under System Settings → Backups, and prints the file's path, size, SHA-256\nand recipient.",
  options: [['-full', 'a full backup (the only kind)']],
  root: true,
  parse(args) {
    // The reference command takes a single-dash long option, which node:util parseArgs cannot express.
    if (args.length !== 1 || !['-full', '--full'].includes(args[0]!)) throw new UsageError();
  },
  async run() {
    const outcome = await createBackup({ kind: 'manual', actor: cliActor() });
    if (!outcome.ok) throw new RefusedError(outcome.message);
    process.stdout.write(
      `Backup written: ${outcome.file} (${outcome.sizeBytes} bytes, sha256 ${outcome.sha256}, encrypted to ${outcome.recipient})\n`,
    );
  },
});
