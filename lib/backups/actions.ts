'use server';

import { z } from 'zod';
import { guardedAction, guardedWrite } from '../auth/guard.ts';
import { getLogger } from '../logs/logger.ts';
import { setSetting } from '../settings/mutations.ts';
import { startBackup } from './create.ts';
import { formatIdentityFile, generateBackupKey } from './identity-file.ts';
import { recipientInputSchema } from './recipient.ts';
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

export const saveBackupSchedule = guardedWrite('ADMIN', backupScheduleInputSchema, async (input, user) =>
  setSetting('backup.schedule', input, { username: user.username, ip: user.ip }),
);

// Makes a new key pair and keeps only its public half (the recipient). The identity file is returned
// to the Admin this once, to be saved offline: without it no backup made from now on can be restored.
export const createBackupKey = guardedWrite('ADMIN', z.object({}).strict(), async (_input, user) => {
  const key = await generateBackupKey();
  const saved = await setSetting('backup.recipient', key.recipient, { username: user.username, ip: user.ip });
  if (!saved.ok) return saved;
  return { ok: true as const, data: { recipient: key.recipient, identityFile: formatIdentityFile(key, new Date()) } };
});

// An existing key: the Admin keeps the identity, the console gets only the recipient.
export const saveBackupRecipient = guardedWrite('ADMIN', recipientInputSchema, async (input, user) =>
  setSetting('backup.recipient', input.recipient, { username: user.username, ip: user.ip }),
);
