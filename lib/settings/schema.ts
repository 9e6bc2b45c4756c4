import { z } from 'zod';

// Every setting key with its shape and default. A stored value that no longer parses falls back to
// the default rather than breaking the console.
export const SETTINGS = {
  'session.idleTimeoutMinutes': { schema: z.number().int().min(1).max(480), default: 30 },
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]['schema']>;
