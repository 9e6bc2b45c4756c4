import { getLogger } from '../logs/logger.ts';
import { getSetting } from '../settings/data.ts';
import { createBackup, recoverInterruptedBackups } from './create.ts';
import { nextRun } from './schedule.ts';

// Wakes at the next scheduled time, but at least every minute, and re-reads the schedule each time:
// a changed schedule takes effect within a minute without a restart, and a long sleep never drifts
// past a clock or schedule change. A run is due when its instant fell between the previous check
// and now; runs missed while the console was down are not made up. Runs never overlap: the next
// check is planned only after a run has finished.
const MAX_SLEEP_MS = 60_000;
const RETRY_MS = 60_000;

// The returned stop() plans nothing more and resolves once a check (or backup) already under way has
// finished, so that shutdown can close the database after it.
export function startBackupScheduler(options: { now?: () => Date; maxSleepMs?: number } = {}): () => Promise<void> {
  const now = options.now ?? (() => new Date());
  const maxSleep = options.maxSleepMs ?? MAX_SLEEP_MS;
  const log = getLogger('backup');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastCheck = now();

  const plan = (ms: number) => {
    if (!stopped) timer = setTimeout(() => (running = tick()), Math.max(0, ms));
  };

  async function tick(): Promise<void> {
    let delay = RETRY_MS;
    try {
      const schedule = await getSetting('backup.schedule');
      if (stopped) return; // stopped while reading the setting: start nothing new
      const checkedAt = now();
      const due = nextRun(schedule, lastCheck);
      if (due.getTime() <= checkedAt.getTime()) {
        log.info({ due: due.toISOString(), schedule }, 'scheduled backup due');
        const outcome = await createBackup({ kind: 'scheduled', actor: { username: 'system:scheduler' } });
        if (outcome.ok) log.info({ file: outcome.fileName, sizeBytes: outcome.sizeBytes }, 'scheduled backup done');
        else log.error({ code: outcome.code, reason: outcome.message }, 'scheduled backup not made');
        lastCheck = now();
      } else {
        lastCheck = checkedAt;
      }
      delay = Math.min(nextRun(schedule, lastCheck).getTime() - now().getTime(), maxSleep);
    } catch (error) {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'backup scheduler check failed; retrying in a minute');
    }
    plan(delay);
  }

  void recoverInterruptedBackups()
    .catch((error: unknown) => log.error({ err: (error as Error).message }, 'could not clear interrupted backups'))
    .finally(() => {
      log.info('backup scheduler started');
      plan(0);
    });

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
