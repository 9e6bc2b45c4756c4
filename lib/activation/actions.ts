'use server';

import { guardedWrite } from '../auth/guard.ts';
import { installActivation } from './mutations.ts';
import { uploadActivationSchema } from './schema.ts';

// React 19 server actions take File arguments. installActivation checks the size before reading a byte.
export const uploadActivation = guardedWrite('ADMIN', uploadActivationSchema, async (input, user) => {
  const result = await installActivation(input.file, { username: user.username, ip: user.ip });
  if (!result.ok) return result;
  return { ok: true as const, data: result.activation };
});
