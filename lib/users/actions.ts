'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { findUserForSignIn } from '../auth/data.ts';
import { verifyPassword } from '../auth/password-hash.ts';
import { setPassword } from './mutations.ts';

const changePasswordSchema = z
  .object({ currentPassword: z.string().min(1, 'Enter your current password.').max(256), newPassword: z.string().max(256), confirmPassword: z.string().max(256) })
  .strict()
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'The new passwords do not match.', path: ['confirmPassword'] });

// Any signed-in user may change their own password.
export const changeOwnPassword = guardedAction('READ_ONLY', changePasswordSchema, async (input, user) => {
  const account = await findUserForSignIn(user.username);
  if (!account || !(await verifyPassword(account.passwordHash, input.currentPassword))) {
    return { ok: false as const, code: 'WRONG_PASSWORD', message: 'Your current password is not correct.', fieldErrors: { currentPassword: 'Not correct.' } };
  }
  const result = await setPassword(user.username, input.newPassword, { username: user.username, ip: user.ip }, 'user.password-change');
  if (!result.ok) return { ...result, fieldErrors: { newPassword: result.message } };
  return { ok: true as const };
});
