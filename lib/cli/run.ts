import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pg from 'pg';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';
import { defaultDataDir, loadConfig } from '../config/env.ts';
import { disconnectDb } from '../db/lifecycle.ts';
import { clusterDirOf, readCredentials } from '../db/credentials.ts';
import { openDatabase } from '../db/open.ts';

// Exit codes shared by every command: scripts and operators can tell "you typed it wrong" (2) from
// "the appliance said no, or something failed" (1).
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

// Bad arguments, exit 2: the reason and the usage line, or the usage line alone. A bad value of a
// well-formed option says what is wrong with it and needs no usage line (withUsage false).
export class UsageError extends Error {
  constructor(
    readonly reason?: string,
    readonly withUsage = true,
  ) {
    super(reason ?? 'usage');
  }
}
export class RefusedError extends Error {}

export type Command<Args> = {
  name: string;
  // The synopsis after the command's name, e.g. `-u <username> [--password-stdin]`.
  usage: string;
  // What the command does, for --help.
  summary: string;
  // One line per option for --help: [option, meaning].
  options?: [string, string][];
  // Changes the appliance: only root (or the data directory's owner) may run it, checked after the
  // arguments, so --help works for anyone.
  root?: boolean;
  // Turns the arguments into what run needs; throws UsageError.
  parse: (argv: string[]) => Args;
  run: (args: Args) => Promise<void>;
};

// node:util parseArgs with its errors turned into usage errors.
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    // parseArgs names a missing value of -u as '--u <value>'.
    throw new UsageError((error as Error).message.replace(/'--(\w) /g, "'-$1 "));
  }
}

export function cliActor(): { username: string } {
  return { username: `cli:${process.env.SUDO_USER ?? (process.getuid?.() === 0 ? 'root' : userInfo().username)}` };
}

// Commands that change the appliance: root, as on an appliance (the reference's sudo), or the user its
// data directory belongs to. A console an ordinary user runs (the demo from a home directory) is that
// user's to administer, and files root wrote into it would lock its owner out of their own console.
export function requireRoot(command: string): void {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return;
  const dataDir = loadConfig().dataDir;
  let owner: number | undefined;
  try {
    owner = statSync(dataDir).uid;
  } catch {
    owner = undefined;
  }
  // A missing data directory is refused next, with what to do about it.
  if (owner !== undefined && owner !== uid)
    throw new RefusedError(`this command changes the appliance and must be run as root: sudo ${command} ...`);
}

function helpText(command: Command<unknown>, usesDatabase: boolean): string {
  const options: [string, string][] = [...(command.options ?? []), ['-h, --help', 'print this help and exit']];
  const width = Math.max(...options.map(([o]) => o.length));
  const lines = [`usage: ${command.name} ${command.usage}`.trimEnd(), '', command.summary, '', 'Options:'];
  lines.push(...options.map(([o, meaning]) => `  ${o.padEnd(width)}  ${meaning}`), '');
  if (usesDatabase)
    lines.push(
      `Finds the console's data directory and database without flags: OTC_DATA_DIR and DATABASE_URL if set, else the`,
      `settings in ${DEFAULT_CONFIG_FILE} (OTC_CONFIG_FILE names another file), else ${defaultDataDir()}`,
      `and its embedded PostgreSQL.`,
    );
  lines.push(
    `${command.root ? "Run as root (or as the user the console's data directory belongs to). " : ''}Exit status: 0 done, 1 refused or failed, 2 usage error.`,
  );
  return `${lines.join('\n')}\n`;
}

// Errors reach the operator as one line: never a stack trace, never a multi-line driver dump.
function oneLine(message: string): string {
  const text = message.replace(/\s+/g, ' ').trim();
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

async function execute<Args>(
  command: Command<Args>,
  usesDatabase: boolean,
  around: (body: () => Promise<void>) => Promise<void>,
): Promise<never> {
  const argv = process.argv.slice(2);
  let code: number = EXIT.ok;
  try {
    if (argv.includes('-h') || argv.includes('--help')) {
      process.stdout.write(helpText(command as Command<unknown>, usesDatabase));
    } else {
      const args = command.parse(argv);
      if (command.root) requireRoot(command.name);
      await around(() => command.run(args));
    }
  } catch (error) {
    if (error instanceof UsageError) {
      code = EXIT.usage;
      const usage = `usage: ${command.name} ${command.usage}`.trimEnd();
      process.stderr.write(
        !error.reason ? `${command.name}: ${usage}\n` : `${command.name}: ${oneLine(error.reason)}\n${error.withUsage ? `${usage}\n` : ''}`,
      );
    } else {
      code = EXIT.failed;
      process.stderr.write(`${command.name}: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    }
  }
  process.exit(code);
}

// A command that needs no console (the vendor's tools).
export async function runOfflineCommand<Args>(command: Command<Args>): Promise<never> {
  return execute(command, false, (body) => body());
}

async function probeDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    let where = 'DATABASE_URL';
    try {
      const u = new URL(url);
      where = `${u.hostname}:${u.port || 5432}`;
    } catch {
      // an unparsable URL: name the variable, never its value (it carries a password)
    }
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RefusedError(`Cannot reach the console's database at ${where} (${reason}): is its PostgreSQL running? Check DATABASE_URL.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// A command on this appliance's database: the running console's embedded server, the embedded server
// started for the command's duration when the console is stopped, or DATABASE_URL.
export async function runCommand<Args>(command: Command<Args>): Promise<never> {
  return execute(command, true, async (body) => {
    const config = loadConfig();
    if (!existsSync(config.dataDir))
      throw new RefusedError(
        `No console data directory at ${config.dataDir}: start the console once or set OTC_DATA_DIR (or OTC_DATA_DIR in ${config.configFile ?? DEFAULT_CONFIG_FILE}).`,
      );
    // The cluster may live outside the data directory (as root, where PostgreSQL's user cannot reach it);
    // the credentials file records where.
    const clusterDir = clusterDirOf(config.dataDir, readCredentials(config.dataDir));
    if (!config.databaseUrl && !existsSync(path.join(clusterDir, 'PG_VERSION')))
      throw new RefusedError(
        `No console database for ${config.dataDir} (no embedded PostgreSQL cluster in ${clusterDir}): start the console once, or set DATABASE_URL if it uses another PostgreSQL.`,
      );
    const database = await openDatabase(config.dataDir, config.databaseUrl);
    try {
      await probeDatabase(database.url);
      // The lib services read the same configuration from the environment, as in the console.
      Object.assign(process.env, { DATABASE_URL: database.url, OTC_DATA_DIR: config.dataDir, OTC_LOG_DIR: config.logDir });
      await body();
    } finally {
      await disconnectDb().catch(() => undefined);
      await database.stop().catch(() => undefined);
    }
  });
}
