'use server';

import { z } from 'zod';
import { guardedWrite } from '../auth/guard.ts';
import { saveChangedSettings } from '../settings/save-changed.ts';
import { ntpServerSchema, timezoneSchema } from '../settings/schema.ts';

// System Settings → Time.
export const updateTimeSettings = guardedWrite(
  'ADMIN',
  z.object({ ntpServer: ntpServerSchema, timezone: timezoneSchema }).strict(),
  async (input, user) =>
    saveChangedSettings({ 'time.ntpServer': input.ntpServer, 'time.timezone': input.timezone }, { username: user.username, ip: user.ip }),
);
