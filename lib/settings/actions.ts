'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { setSetting } from './mutations.ts';
import { saveChangedSettings } from './save-changed.ts';
import { consoleNameSchema, ntpServerSchema, SETTINGS, timezoneSchema } from './schema.ts';

export const updateIdleTimeout = guardedAction(
  'ADMIN',
  z.object({ minutes: z.coerce.number().pipe(SETTINGS['session.idleTimeoutMinutes'].schema) }).strict(),
  async (input, user) => setSetting('session.idleTimeoutMinutes', input.minutes, { username: user.username, ip: user.ip }),
);

export const updateTimeSettings = guardedAction(
  'ADMIN',
  z.object({ ntpServer: ntpServerSchema, timezone: timezoneSchema }).strict(),
  async (input, user) =>
    saveChangedSettings({ 'time.ntpServer': input.ntpServer, 'time.timezone': input.timezone }, { username: user.username, ip: user.ip }),
);

// Empty means "show the appliance domain" (lib/appliance/frame.ts).
export const updateConsoleName = guardedAction('ADMIN', z.object({ name: consoleNameSchema }).strict(), async (input, user) =>
  saveChangedSettings({ 'console.name': input.name }, { username: user.username, ip: user.ip }),
);
