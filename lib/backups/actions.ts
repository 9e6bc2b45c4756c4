'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { getLogger } from '../logs/logger.ts';
import { setSetting } from '../settings/mutations.ts';
import { startBackup } from './create.ts';
import { backupScheduleInputSchema } from './schema.ts';

// Starts a manual backup and returns its id at once; the page follows its progress.
export const backUpNow = guardedAction('ADMIN', z.object({}).strict(), async (_input, user) => {
  const started = await startBackup({ kind: 'manual', actor: { username: user.username, ip: user.ip } });
  if (!started.ok) return started;
  // The outcome is recorded on the backup row; nothing waits for it here.
  void started.done.catch((error: unknown) =>
    getLogger('backup').error({ id: started.id, err: (error as Error).message }, 'backup crashed'),
  );
  return { ok: true as const, data: { id: started.id } };
});

export const saveBackupSchedule = guardedAction('ADMIN', backupScheduleInputSchema, async (input, user) =>
  setSetting('backup.schedule', input, { username: user.username, ip: user.ip }),
);
