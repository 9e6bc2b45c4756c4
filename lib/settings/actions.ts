'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { setSetting } from './mutations.ts';
import { SETTINGS } from './schema.ts';

export const updateIdleTimeout = guardedAction(
  'ADMIN',
  z.object({ minutes: z.coerce.number().pipe(SETTINGS['session.idleTimeoutMinutes'].schema) }).strict(),
  async (input, user) => setSetting('session.idleTimeoutMinutes', input.minutes, { username: user.username, ip: user.ip }),
);
