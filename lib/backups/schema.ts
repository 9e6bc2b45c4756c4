import { z } from 'zod';
import { backupScheduleSchema } from '../settings/schema.ts';

export const backupKindSchema = z.enum(['manual', 'scheduled']);
export type BackupKind = z.infer<typeof backupKindSchema>;

export const backupIdSchema = z.object({ id: z.uuid('Backups are identified by a UUID.') });

// The schedule form's input: the stored shape (lib/settings/schema.ts), with messages for fields a
// browser can leave empty (an empty number input arrives as NaN).
export const backupScheduleInputSchema = backupScheduleSchema
  .extend({
    weekday: z.number({ error: 'Choose a weekday.' }).pipe(backupScheduleSchema.shape.weekday),
    retain: z.number({ error: 'Enter how many scheduled backups to keep (1–100).' }).pipe(backupScheduleSchema.shape.retain),
  })
  .strict();
