import { loadConfig } from '../config/env.ts';
import { disconnectDb } from '../db/lifecycle.ts';
import { openDatabase } from '../db/open.ts';

// Exit codes shared by every cyberx-management-* command.
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}
export class RefusedError extends Error {}

export function requireRoot(command: string): void {
  if (process.getuid && process.getuid() !== 0)
    throw new RefusedError(`${command} changes the appliance and must be run as root (sudo ${command} ...).`);
}

// Runs a command that needs no database (vendor tools) and turns expected failures into a one-line
// reason and an exit code.
export async function runOfflineCommand(command: string, body: () => Promise<void>): Promise<never> {
  let code: number = EXIT.ok;
  try {
    await body();
  } catch (error) {
    code = error instanceof UsageError ? EXIT.usage : EXIT.failed;
    process.stderr.write(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(code);
}

// The same, connected to this appliance's database (the running console's embedded server, or
// DATABASE_URL) for the duration of the command.
export async function runCommand(command: string, body: () => Promise<void>): Promise<never> {
  return runOfflineCommand(command, async () => {
    const config = loadConfig();
    const database = await openDatabase(config.dataDir, config.databaseUrl);
    process.env.DATABASE_URL = database.url;
    try {
      await body();
    } finally {
      await disconnectDb().catch(() => undefined);
      await database.stop().catch(() => undefined);
    }
  });
}
