// Compares what this console and its peer hold, entity by entity (a digest of each replicated table),
// and names any entity that differs.
import { parseOptions, RefusedError, runCommand, UsageError } from '../lib/cli/run.ts';
import { checkDrift } from '../lib/replication/drift.ts';
import { driftAgreement, driftProblem, formatDriftTable } from '../lib/replication/drift-report.ts';

const DEFAULT_WAIT_SECONDS = 10;

await runCommand<{ json: boolean; waitSeconds: number }>({
  name: 'cyberx-management-ha-check',
  usage: '[--json] [--wait <seconds>]',
  summary:
    'Checks that this console and its paired peer hold the same data: one digest per replicated entity, compared at the same journal position. Exits 1 naming any entity that differs.',
  options: [
    ['--json', 'print the result as JSON'],
    ['--wait <seconds>', `how long to wait for replication to stand still before giving up (default ${DEFAULT_WAIT_SECONDS})`],
  ],
  parse(argv) {
    const { values } = parseOptions(argv, { json: { type: 'boolean' }, wait: { type: 'string' } });
    const waitSeconds = values.wait === undefined ? DEFAULT_WAIT_SECONDS : Number(values.wait);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 600 || values.wait?.trim() === '')
      throw new UsageError(`--wait takes a number of seconds from 0 to 600, not "${values.wait}"`, false);
    return { json: values.json ?? false, waitSeconds };
  },
  async run({ json, waitSeconds }) {
    const result = await checkDrift({ settleTimeoutMs: waitSeconds * 1000 });
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.ok) throw new RefusedError(result.message);
    if (!json && result.settled) process.stdout.write(formatDriftTable(result));
    const problem = driftProblem(result, waitSeconds);
    if (problem) throw new RefusedError(problem);
    if (!json && result.settled) process.stdout.write(driftAgreement(result));
  },
});
