// Lists the consoles this one trusts for pairing: domain, address, certificate fingerprint, the peer's
// role and the pairing status.
import { runCommand, UsageError } from '../lib/cli/run.ts';
import { formatTrustedHostsTable, loadTrustedHosts } from '../lib/trusted-hosts/list.ts';

await runCommand<{ json: boolean }>({
  name: 'cyberx-management-trusted-hosts-list',
  usage: '[--json]',
  summary: "Lists this console's trusted hosts: the console it is paired with, its address, certificate, role and status.",
  options: [['--json', 'print a JSON array instead of a table']],
  parse(argv) {
    if (argv.length > 1 || (argv.length === 1 && !['--json', '-json'].includes(argv[0]!)))
      throw new UsageError(`unknown argument "${argv.find((a) => a !== '--json') ?? argv[1]}"`);
    return { json: argv.length === 1 };
  },
  async run({ json }) {
    const hosts = await loadTrustedHosts();
    process.stdout.write(json ? `${JSON.stringify(hosts, null, 2)}\n` : formatTrustedHostsTable(hosts));
  },
});
