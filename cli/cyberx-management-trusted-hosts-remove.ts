// Removes a trusted host on this console only; run it on each console of the pair.
import { cliActor, runCommand, RefusedError, UsageError } from '../lib/cli/run.ts';
import { removeTrustedHost } from '../lib/trusted-hosts/mutations.ts';

await runCommand<{ domain: string }>({
  name: 'cyberx-management-trusted-hosts-remove',
  usage: '-d <domain>',
  summary: 'Removes the trusted host <domain> on this console only. Run it on each console of the pair.',
  options: [['-d <domain>', 'the domain of the trusted host, as cyberx-management-trusted-hosts-list shows it']],
  root: true,
  parse(argv) {
    if (argv.length !== 2 || !['-d', '--d', '--domain'].includes(argv[0]!) || !argv[1] || argv[1].startsWith('-'))
      throw new UsageError(argv.length === 0 ? '-d <domain> is required' : undefined);
    return { domain: argv[1] };
  },
  async run({ domain }) {
    const result = await removeTrustedHost(domain, cliActor());
    if (!result.ok) throw new RefusedError(result.message);
    process.stdout.write(`Trusted host removed on this console: ${domain}. Remove this console on ${domain} too.\n`);
  },
});
