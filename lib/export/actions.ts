'use server';

import { guardedAction } from '../auth/guard.ts';
import { startExportSchema } from './schema.ts';
import { startLogExport } from './service.ts';

// Returns the archive's one-time password: the only time it exists outside the background job.
export const startExport = guardedAction('ADMIN', startExportSchema, async (input, user) =>
  startLogExport(input.categories, { username: user.username, ip: user.ip }),
);
