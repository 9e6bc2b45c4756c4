'use server';

import { z } from 'zod';
import { setSetting } from '../settings/mutations.ts';
import { SETTINGS } from '../settings/schema.ts';
import { guardedWrite } from './guard.ts';

// System Settings → Sessions.
export const updateIdleTimeout = guardedWrite(
  'ADMIN',
  z.object({ minutes: z.coerce.number().pipe(SETTINGS['session.idleTimeoutMinutes'].schema) }).strict(),
  async (input, user) => setSetting('session.idleTimeoutMinutes', input.minutes, { username: user.username, ip: user.ip }),
);
