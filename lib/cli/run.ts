import { loadConfig } from '../config/env.ts';
import { disconnectDb } from '../db/lifecycle.ts';
import { openDatabase } from '../db/open.ts';

// Exit codes shared by every cyberx-management-* command (DESIGN.md §6).
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}
export class RefusedError extends Error {}

export function requireRoot(command: string): void {
  if (process.getuid && process.getuid() !== 0) throw new RefusedError(`${command} changes the appliance and must be run as root (sudo ${command} ...).`);
}

// Connects to this appliance's database (the running console's embedded server, or DATABASE_URL),
// runs the command, and turns expected failures into a one-line reason and an exit code.
export async function runCommand(command: string, body: () => Promise<void>): Promise<never> {
  let stop: (() => Promise<void>) | undefined;
  let code: number = EXIT.ok;
  try {
    const config = loadConfig();
    const database = await openDatabase(config.dataDir, config.databaseUrl);
    stop = database.stop;
    process.env.DATABASE_URL = database.url;
    await body();
  } catch (error) {
    code = error instanceof UsageError ? EXIT.usage : EXIT.failed;
    process.stderr.write(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await disconnectDb().catch(() => undefined);
    await stop?.().catch(() => undefined);
  }
  process.exit(code);
}
