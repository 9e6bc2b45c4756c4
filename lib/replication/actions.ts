'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { checkDrift } from './drift.ts';

// System Settings → High Availability: compare this console's data with its peer's. Read only.
export const checkDriftAction = guardedAction('ADMIN', z.object({}).strict(), async () => checkDrift());
