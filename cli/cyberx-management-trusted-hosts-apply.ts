// Makes the trusted hosts recorded on this console take effect: pairs with the secondary added by
// trusted-hosts-add (run on the primary), or makes this console standalone once its trusted host was removed.
import { cliActor, runCommand, RefusedError, UsageError, parseOptions } from '../lib/cli/run.ts';
import { loadSnapshotProgress } from '../lib/replication/status.ts';
import { applyTrustedHosts } from '../lib/trusted-hosts/apply.ts';

const NO_START_MS = 15_000;

await runCommand<{ wait: boolean; timeoutSeconds: number }>({
  name: 'cyberx-management-trusted-hosts-apply',
  usage: '[--no-wait] [--timeout <seconds>]',
  summary:
    'Applies the trusted hosts of this console. On the primary, after trusted-hosts-add: pins both certificates, makes the other console the secondary and follows the snapshot the console then sends. After trusted-hosts-remove: makes this console standalone.',
  options: [
    ['--no-wait', 'return once the secondary took the pair, without following the snapshot'],
    ['--timeout <seconds>', 'how long to follow the snapshot (default 3600)'],
  ],
  root: true,
  parse(argv) {
    const { values } = parseOptions(argv, { 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } });
    const timeoutSeconds = values.timeout === undefined ? 3600 : Number(values.timeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new UsageError('--timeout takes a whole number of seconds', false);
    return { wait: !values['no-wait'], timeoutSeconds };
  },
  async run({ wait, timeoutSeconds }) {
    const result = await applyTrustedHosts(cliActor());
    if (!result.ok) throw new RefusedError(result.message);
    if (result.outcome === 'standalone') {
      process.stdout.write(
        result.wasPaired
          ? 'Applied: this console is standalone; sensors stop hearing of the former peer.\n'
          : 'Nothing to apply: this console trusts no host and is standalone.\n',
      );
      return;
    }
    if (result.alreadyApplied) {
      process.stdout.write(`Already applied: this console is paired with ${result.peer}. See cyberx-management-trusted-hosts-list.\n`);
      return;
    }
    process.stdout.write(`Applied: ${result.peer} is now the secondary of this console.\n`);
    if (!wait) return;
    const deadline = Date.now() + timeoutSeconds * 1000;
    const started = Date.now();
    let last = '';
    for (;;) {
      const progress = await loadSnapshotProgress(result.appliedAt);
      if (progress.state === 'done') {
        process.stdout.write(
          `Snapshot sent: ${progress.rows} rows in ${progress.seconds.toFixed(1)} s; the journal now streams to ${result.peer}.\n`,
        );
        return;
      }
      const line =
        progress.state === 'sending' ? `Sending snapshot: ${progress.rows} of ${progress.total} rows (${progress.percent}%)` : '';
      if (line && line !== last) process.stdout.write(`${line}\n`);
      last = line || last;
      if (progress.state !== 'sending' && Date.now() - started > NO_START_MS)
        throw new RefusedError(
          `The pair is applied, but no snapshot started within ${NO_START_MS / 1000} s: the running console sends it. Start the console if it is stopped, and follow it with cyberx-management-trusted-hosts-list.`,
        );
      if (Date.now() > deadline)
        throw new RefusedError(
          `The snapshot is still being sent after ${timeoutSeconds} s; follow it with cyberx-management-trusted-hosts-list.`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  },
});
