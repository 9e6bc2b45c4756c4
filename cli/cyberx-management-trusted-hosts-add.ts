// Pairs this console (the primary) with another one (the secondary) given its address and connection-
// string token: checks every prerequisite, then records each console on the other as a PENDING trusted
// host. Replication starts only with cyberx-management-trusted-hosts-apply (not available yet).
import { cliActor, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';
import { parseAddArgs, type AddArgs } from '../lib/trusted-hosts/add-args.ts';
import { pairWithSecondary } from '../lib/trusted-hosts/pair.ts';

await runCommand<AddArgs>({
  name: 'cyberx-management-trusted-hosts-add',
  usage:
    '-ip <address>[:<port>] -token <token> [-port <port>] [-confirm-replace] | -connection-string <ip[:port]:token> [-confirm-replace]',
  summary:
    "Pairs this console, as primary, with the secondary console at <address>: proves the secondary's connection-string\ntoken without sending it, checks every pairing prerequisite, then records each console on the other as a\npending trusted host. Nothing is written on either side when a prerequisite fails.",
  options: [
    ['-ip <address>[:<port>]', "the secondary's IPv4 address (port 443 unless given)"],
    ['-token <token>', "the token of the secondary's connection string (System Settings → Sensor Setup)"],
    ['-port <port>', "the secondary's HTTPS port"],
    ['-connection-string <s>', 'the connection string pasted whole, instead of -ip, -port and -token'],
    ['-confirm-replace', "confirm that the secondary's own data will be replaced by this console's"],
  ],
  root: true,
  parse(argv) {
    const parsed = parseAddArgs(argv);
    if (!parsed.ok) throw new UsageError(parsed.message);
    return parsed.args;
  },
  async run(args) {
    const result = await pairWithSecondary({ ...args, actor: cliActor() });
    if (!result.ok) {
      if (result.failures) {
        // One line per unmet prerequisite, so that an admin fixes them all in one round.
        process.stderr.write(`Pairing refused: ${result.failures.length} prerequisite(s) not met; nothing was written.\n`);
        for (const f of result.failures) process.stderr.write(`${f.code}: ${f.message}\n`);
        process.exit(1);
      }
      throw new RefusedError(result.message);
    }
    process.stdout.write(
      `Trusted host added: ${result.domain} (${result.address}, SHA-256 ${result.fingerprint}) as secondary, pending; it recorded this console as its primary.\n`,
    );
  },
});
