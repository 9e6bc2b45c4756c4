// Resets a console user's password (and clears a lockout): prints a new random password, or reads one
// from standard input with --password-stdin.
import { generatePassword } from '../lib/auth/password-policy.ts';
import { cliActor, parseOptions, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';
import { setPassword } from '../lib/users/mutations.ts';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

await runCommand({
  name: 'cyberx-management-user-reset-password',
  usage: '-u <username> [--password-stdin]',
  summary:
    'Sets a new password for a console user and unlocks the account, whether the console runs or not. Prints a\ngenerated password (shown once) unless one is given on standard input.',
  options: [
    ['-u <username>', 'the user whose password to reset'],
    ['--password-stdin', 'read the new password from standard input (it must meet the password policy)'],
  ],
  root: true,
  parse(args) {
    const { values } = parseOptions(args, { u: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
    if (!values.u) throw new UsageError(args.length ? 'missing -u <username>' : undefined);
    return { username: values.u, fromStdin: values['password-stdin'] === true };
  },
  async run({ username, fromStdin }) {
    const password = fromStdin ? await readStdin() : generatePassword();
    const result = await setPassword(username, password, cliActor(), 'user.password-reset');
    if (!result.ok) throw new RefusedError(result.message);
    if (fromStdin) process.stdout.write(`Password of "${username}" reset; the account is unlocked.\n`);
    else process.stdout.write(`Password of "${username}" reset; the account is unlocked. New password (shown once): ${password}\n`);
  },
});
