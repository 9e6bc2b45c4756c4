'use server';

import { z } from 'zod';
import { guardedAction, guardedWrite } from '../auth/guard.ts';
import { saveChangedSettings } from '../settings/save-changed.ts';
import { checkDrift } from './drift.ts';

// System Settings → High Availability: compare this console's data with its peer's. Read only.
export const checkDriftAction = guardedAction('ADMIN', z.object({}).strict(), async () => checkDrift());

// System Settings → High Availability: how long the peer may be away before sensors are released on this
// console's copy alone, and whether they never are (strict). Replicated settings, like the others.
export const saveHaSettings = guardedWrite(
  'ADMIN',
  z
    .object({
      unreachableWindowSeconds: z.coerce
        .number({ error: 'Enter the window in seconds.' })
        .int('Enter a whole number of seconds.')
        .min(5, 'The window is at least 5 seconds.')
        .max(86_400, 'The window is at most 86,400 seconds (a day).'),
      strictEvents: z.boolean(),
    })
    .strict(),
  async (input, user) =>
    saveChangedSettings(
      { 'ha.unreachableWindowSeconds': input.unreachableWindowSeconds, 'ha.strictEvents': input.strictEvents },
      { username: user.username, ip: user.ip },
    ),
);
