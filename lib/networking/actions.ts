'use server';

import { guardedWrite } from '../auth/guard.ts';
import { createVlan, deleteVlan, renameVlan } from './mutations.ts';
import { vlanIdInputSchema, vlanSchema } from './schema.ts';

export const addVlan = guardedWrite('ADMIN', vlanSchema, async (input, user) =>
  createVlan(input, { username: user.username, ip: user.ip }),
);

export const editVlan = guardedWrite('ADMIN', vlanSchema, async (input, user) =>
  renameVlan(input, { username: user.username, ip: user.ip }),
);

export const removeVlan = guardedWrite('ADMIN', vlanIdInputSchema, async (input, user) =>
  deleteVlan(input.id, { username: user.username, ip: user.ip }),
);
