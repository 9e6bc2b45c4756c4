// Makes a full backup of this console now (a consistent snapshot of its database) into the backups
// directory and prints where it is, its size and its SHA-256.
import { createBackup } from '../lib/backup/create.ts';
import { cliActor, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';

await runCommand({
  name: 'cyberx-management-backup',
  usage: '-full',
  summary:
    "Makes a full backup of this console now (a consistent snapshot of its database) into the backups directory\nand prints the file's path, size and SHA-256.",
  options: [['-full', 'a full backup (the only kind)']],
  root: true,
  parse(args) {
    // The reference command takes a single-dash long option, which node:util parseArgs cannot express.
    if (args.length !== 1 || !['-full', '--full'].includes(args[0]!)) throw new UsageError();
  },
  async run() {
    const outcome = await createBackup({ kind: 'manual', actor: cliActor() });
    if (!outcome.ok) throw new RefusedError(outcome.message);
    process.stdout.write(`Backup written: ${outcome.file}\n  size:   ${outcome.sizeBytes} bytes\n  sha256: ${outcome.sha256}\n`);
  },
});
