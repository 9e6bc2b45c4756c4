import { z } from 'zod';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const sensorIdInputSchema = z.object({ id: z.uuid({ error: 'Choose a sensor from the list.' }) }).strict();

export const alertRefSchema = z
  .object({
    sensorId: z.uuid({ error: 'Choose an alert from the list.' }),
    seq: z.number({ error: 'Choose an alert from the list.' }).int().positive().max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type AlertRef = z.infer<typeof alertRefSchema>;

// The Alerts page's filters, from its URL. Anything unrecognised means "no filter" rather than an error
// page: a stale bookmark still opens the list.
export const alertFilterSchema = z.object({
  sensor: z.string().trim().max(64).optional().catch(undefined),
  severity: z.enum(SEVERITIES).optional().catch(undefined),
});
export type AlertFilter = { sensor?: string; severity?: Severity };

// "?page=3" → 3; anything else → 1.
export const pageNumberSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);
