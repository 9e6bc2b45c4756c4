import { isIPv4 } from 'node:net';
import { z } from 'zod';

// Any IANA name the runtime's time-zone database resolves: the listed (often older) names such as
// Asia/Calcutta and their current aliases such as Asia/Kolkata alike. Offsets like +01:00 are not zones.
// IANA spells every path segment with a capital first letter; the runtime would also accept 'utc' or
// 'europe/berlin', which are not names an operator should see stored.
function isTimeZone(tz: string): boolean {
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export const timezoneSchema = z.string().refine(isTimeZone, { message: 'Choose an IANA time zone such as Europe/Berlin or UTC.' });

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
export const ntpServerSchema = z
  .string()
  .trim()
  .refine((v) => v === '' || isIPv4(v) || HOSTNAME.test(v), { message: 'Enter an IPv4 address or a host name (or leave it empty).' });

export const consoleNameSchema = z.string().trim().max(25, 'The console name can be at most 25 characters.');

export const backupScheduleSchema = z.object({
  frequency: z.enum(['daily', 'weekly']),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time such as 02:30.'),
  weekday: z.number().int().min(0).max(6),
  timezone: timezoneSchema,
  retain: z.number().int().min(1, 'Keep at least one backup.').max(100, 'Keep at most 100 backups.'),
});
export type BackupSchedule = z.infer<typeof backupScheduleSchema>;

// Every setting key with its shape and default. A stored value that no longer parses falls back to
// the default rather than breaking the console.
export const SETTINGS = {
  'session.idleTimeoutMinutes': { schema: z.number().int().min(1).max(480), default: 30 },
  'console.name': { schema: consoleNameSchema, default: '' },
  'time.ntpServer': { schema: ntpServerSchema, default: '' },
  'time.timezone': { schema: timezoneSchema, default: 'UTC' },
  'backup.schedule': {
    schema: backupScheduleSchema,
    default: { frequency: 'daily', time: '02:00', weekday: 0, timezone: 'UTC', retain: 7 } as BackupSchedule,
  },
  // The age recipient (public key) backups are encrypted to; '' until an Admin sets one, and no backups until then.
  // Only its shape is checked here (the store knows no domain); lib/backups/recipient.ts checks the
  // checksum and explains a refusal before anything is saved.
  'backup.recipient': { schema: z.string().regex(/^(age1[02-9ac-hj-np-z]{58})?$/, 'Not an age X25519 recipient.'), default: '' },
  // A sensor not heard for longer than this shows Disconnected (default: 5 heartbeats of 1 s).
  'sensors.disconnectAfterSeconds': { schema: z.number().int().min(2).max(3600), default: 5 },
  // A paired console whose peer has not answered for longer than this says so (banner, audit event) and,
  // unless strict mode is on, lets sensors drop events its peer does not hold yet (docs/architecture.md).
  'ha.unreachableWindowSeconds': { schema: z.number().int().min(5).max(86_400), default: 30 },
  // Strict: sensors keep every event the peer does not hold, however long the peer is away (no event is
  // ever held by one console only; sensors' outboxes grow meanwhile).
  'ha.strictEvents': { schema: z.boolean(), default: false },
  // A sensor clock further than this from the console's shows "Time difference".
  'sensors.clockToleranceSeconds': { schema: z.number().int().min(1).max(86_400), default: 5 },
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]['schema']>;
