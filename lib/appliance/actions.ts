'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { getLogger } from '../logs/logger.ts';
import { saveChangedSettings } from '../settings/save-changed.ts';
import { consoleNameSchema } from '../settings/schema.ts';
import { loadConnectionString } from './connection.ts';
import { regenerateConnectionToken } from './mutations.ts';

export const revealConnectionString = guardedAction('ADMIN', z.object({}).strict(), async (_input, user) => {
  getLogger('audit').info({ actor: user.username, ip: user.ip }, 'connection string revealed');
  return { ok: true as const, data: { connectionString: await loadConnectionString() } };
});

export const regenerateConnectionString = guardedAction(
  'ADMIN',
  z.object({ confirm: z.literal(true, 'Confirm that sensors and peers using the old string will be disconnected.') }).strict(),
  async (_input, user) => {
    await regenerateConnectionToken({ username: user.username, ip: user.ip });
    return { ok: true as const, data: { connectionString: await loadConnectionString() } };
  },
);

// Empty means "show the appliance domain" (loadConsoleFrame in ./loaders.ts).
export const updateConsoleName = guardedAction('ADMIN', z.object({ name: consoleNameSchema }).strict(), async (input, user) =>
  saveChangedSettings({ 'console.name': input.name }, { username: user.username, ip: user.ip }),
);
