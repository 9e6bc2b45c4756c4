// Planned switchover: hands the active role to the paired console with nothing lost (writes stop, the
// journal is drained to the peer, the peer takes over at term + 1) and swaps the configured roles, so
// that the peer becomes the primary — the reference's "define the secondary as the primary".
import { parseOptions, RefusedError, runCommand, UsageError } from '../lib/cli/run.ts';
import { requestSwitchover } from '../lib/failover/mutations.ts';
import { readLocalHaState, switchoverOutcomeSince, switchoverPending } from '../lib/failover/data.ts';

const DEFAULT_TIMEOUT_SECONDS = 30;
// The running console's worker looks for the request every second.
const NOT_TAKEN_MS = 5000;

await runCommand<{ timeoutSeconds: number }>({
  name: 'cyberx-management-ha-promote',
  usage: '[--timeout <seconds>]',
  summary:
    'Makes the paired console the active primary and this console its secondary, with no change or sensor event lost. Run it on the active console; the running console performs it.',
  options: [['--timeout <seconds>', `how long to wait for the switchover (default ${DEFAULT_TIMEOUT_SECONDS})`]],
  root: true,
  parse(argv) {
    const { values } = parseOptions(argv, { timeout: { type: 'string' } });
    const timeoutSeconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 600)
      throw new UsageError('--timeout takes a whole number of seconds from 1 to 600', false);
    return { timeoutSeconds };
  },
  async run({ timeoutSeconds }) {
    const before = await readLocalHaState();
    if (before.configuredRole === 'STANDALONE' || !before.peer || before.peer.status === 'PENDING')
      throw new RefusedError('This console is not part of an applied pair: there is no peer to hand the active role to.');
    if (before.state !== 'ACTIVE')
      throw new RefusedError(
        `This console is ${before.state.toLowerCase()}, not the active console: run cyberx-management-ha-promote on the active console (${before.peer.domain}).`,
      );
    const asked = new Date(Date.now() - 1000);
    await requestSwitchover();
    process.stdout.write(`Handing the active role to ${before.peer.domain} (term ${before.term} → ${before.term + 1})…\n`);
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const outcome = await switchoverOutcomeSince(asked);
      if (outcome && !outcome.ok) throw new RefusedError(`Switchover refused: ${outcome.message}`);
      const now = await readLocalHaState();
      if (outcome?.ok || (now.term > before.term && now.state !== 'ACTIVE')) {
        process.stdout.write(
          `Done: ${before.peer.domain} is the active primary at term ${now.term}; this console is its ${now.configuredRole.toLowerCase()} (${now.state.toLowerCase()}). Sensors move to it within seconds.\n`,
        );
        return;
      }
      if (Date.now() - asked.getTime() > NOT_TAKEN_MS && (await switchoverPending()))
        throw new RefusedError(
          'The running console did not take the request within 5 s: is it running? Start it (npm start) and run the command again.',
        );
      if (Date.now() > deadline)
        throw new RefusedError(`The switchover did not finish within ${timeoutSeconds} s; see the High Availability page.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  },
});
