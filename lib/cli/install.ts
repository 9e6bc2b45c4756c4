import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APPLIANCE_COMMANDS } from './commands.ts';
import { RefusedError } from './run.ts';

export const DEFAULT_PREFIX = '/usr/local/sbin';
// Marks a file as ours: only such files are replaced or removed.
const MARKER = '# written by `npm run install-commands`';

export type InstallPlan = { installRoot: string; node: string; tsxLoader: string };

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

// A wrapper runs the command with absolute paths only: node resolves `--import tsx` and tsx finds its
// tsconfig.json against the current directory, and an admin's shell may be anywhere. It does not cd, so
// file arguments (-b <file>) are relative to where the admin is.
export function wrapperText(command: string, plan: InstallPlan): string {
  const script = path.join(plan.installRoot, 'cli', `${command}.ts`);
  // An install below a private directory (root's home) cannot be read by other users: say so in one
  // line rather than let node print a stack trace about a module it cannot open.
  const unreadable = `${command}: cannot read the console installed in ${plan.installRoot} as this user: run it with sudo.`;
  return [
    '#!/bin/sh',
    `# ${command}: runs the OT Management Console installed in ${plan.installRoot}.`,
    MARKER,
    `[ -r ${shellQuote(script)} ] || { echo ${shellQuote(unreadable)} >&2; exit 1; }`,
    `TSX_TSCONFIG_PATH=${shellQuote(path.join(plan.installRoot, 'tsconfig.json'))} exec ${shellQuote(plan.node)} --import ${shellQuote(plan.tsxLoader)} ${shellQuote(script)} "$@"`,
    '',
  ].join('\n');
}

const isOurs = (file: string) => readFileSync(file, 'utf8').split('\n').includes(MARKER);

function writeFailure(target: string, error: unknown): RefusedError {
  const code = (error as NodeJS.ErrnoException).code;
  return new RefusedError(
    code === 'EACCES' || code === 'EPERM'
      ? `cannot write ${target} (permission denied): run it as root (sudo npm run install-commands).`
      : `cannot write ${target} (${code ?? (error as Error).message}).`,
  );
}

function checkPrefix(prefix: string): void {
  if (!existsSync(prefix) || !statSync(prefix).isDirectory())
    throw new RefusedError(`There is no directory ${prefix}: create it or choose another with --prefix <dir>.`);
}

export type InstallResult = { file: string; state: 'written' | 'unchanged' | 'removed' | 'absent' };

// Writes one wrapper per appliance command into prefix. Idempotent; refuses, writing nothing, when a
// file there is not one of ours.
export async function installCommands(prefix: string, plan: InstallPlan): Promise<InstallResult[]> {
  checkPrefix(prefix);
  const targets = APPLIANCE_COMMANDS.map((command) => ({ file: path.join(prefix, command), text: wrapperText(command, plan) }));
  for (const { file } of targets)
    if (existsSync(file) && !isOurs(file))
      throw new RefusedError(`${file} exists and was not written by install-commands; remove it or choose another --prefix.`);
  const results: InstallResult[] = [];
  for (const { file, text } of targets) {
    if (existsSync(file) && readFileSync(file, 'utf8') === text) {
      await chmod(file, 0o755).catch((error: unknown) => Promise.reject(writeFailure(file, error)));
      results.push({ file, state: 'unchanged' });
      continue;
    }
    // Written beside and renamed over, so that a command never runs half a wrapper.
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text, { mode: 0o755 });
      await chmod(temporary, 0o755);
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw writeFailure(file, error);
    }
    results.push({ file, state: 'written' });
  }
  return results;
}

// Removes the wrappers install-commands wrote; leaves any other file alone.
export async function removeCommands(prefix: string): Promise<InstallResult[]> {
  checkPrefix(prefix);
  const results: InstallResult[] = [];
  for (const command of APPLIANCE_COMMANDS) {
    const file = path.join(prefix, command);
    if (!existsSync(file)) results.push({ file, state: 'absent' });
    else if (!isOurs(file)) throw new RefusedError(`${file} was not written by install-commands; it was left alone.`);
    else {
      await rm(file).catch((error: unknown) => Promise.reject(writeFailure(file, error)));
      results.push({ file, state: 'removed' });
    }
  }
  return results;
}
