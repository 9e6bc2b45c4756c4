#!/usr/bin/env -S node_modules/.bin/tsx
// Resets a console user's password (and clears a lockout): prints a new random password, or reads one
// from standard input with --password-stdin.
import { parseArgs } from 'node:util';
import { generatePassword } from '../lib/auth/password-policy.ts';
import { requireRoot, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';
import { setPassword } from '../lib/users/mutations.ts';

const COMMAND = 'cyberx-management-user-reset-password';
const USAGE = `usage: ${COMMAND} -u <username> [--password-stdin]`;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

await runCommand(COMMAND, async () => {
  let args;
  try {
    args = parseArgs({ options: { u: { type: 'string' }, 'password-stdin': { type: 'boolean' } }, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const username = args.values.u;
  if (!username) throw new UsageError(USAGE);
  requireRoot(COMMAND);
  const password = args.values['password-stdin'] ? await readStdin() : generatePassword();
  const result = await setPassword(username, password, { username: `cli:${process.env.SUDO_USER ?? 'root'}` }, 'user.password-reset');
  if (!result.ok) throw new RefusedError(result.message);
  if (args.values['password-stdin']) process.stdout.write(`Password of "${username}" reset; the account is unlocked.\n`);
  else process.stdout.write(`Password of "${username}" reset; the account is unlocked. New password (shown once): ${password}\n`);
});
