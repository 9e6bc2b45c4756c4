'use server';

import { z } from 'zod';
import { recordAudit } from '../audit/mutations.ts';
import { guardedWrite } from '../auth/guard.ts';
import { findUserForSignIn } from '../auth/data.ts';
import { reissueCurrentSession } from '../auth/session-reissue.ts';
import { verifyPassword } from '../auth/password-hash.ts';
import { generatePassword } from '../auth/password-policy.ts';
import { changeUserRole, createUser, deleteUser, setPassword } from './mutations.ts';
import { passwordChangeThrottled, recordWrongCurrentPassword } from './password-change-throttle.ts';
import { changeRoleInputSchema, createUserInputSchema, usernameInputSchema } from './schema.ts';

const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(256),
    newPassword: z.string().max(256),
    confirmPassword: z.string().max(256),
  })
  .strict()
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'The new passwords do not match.', path: ['confirmPassword'] });

// Any signed-in user may change their own password. Their other sessions end; this one goes on.
export const changeOwnPassword = guardedWrite('READ_ONLY', changePasswordSchema, async (input, user) => {
  const throttled = passwordChangeThrottled(user.id, user.ip, Date.now());
  if (throttled) return { ok: false as const, code: 'THROTTLED', message: throttled };
  const account = await findUserForSignIn(user.username);
  if (!account || !(await verifyPassword(account.passwordHash, input.currentPassword))) {
    recordWrongCurrentPassword(user.id, user.ip, Date.now());
    await recordAudit({
      actor: user.username,
      ip: user.ip,
      action: 'user.password-change',
      outcome: 'failure',
      target: user.username,
      details: { reason: 'wrong current password' },
    });
    return {
      ok: false as const,
      code: 'WRONG_PASSWORD',
      message: 'Your current password is not correct.',
      fieldErrors: { currentPassword: 'Not correct.' },
    };
  }
  const result = await setPassword(user.username, input.newPassword, { username: user.username, ip: user.ip }, 'user.password-change');
  if (!result.ok) return { ...result, fieldErrors: { newPassword: result.message } };
  await reissueCurrentSession(result.sessionVersion);
  return { ok: true as const };
});

// A generated password is returned to the Admin once and never stored in clear anywhere.
export const addUser = guardedWrite('ADMIN', createUserInputSchema, async (input, user) => {
  const password = input.passwordMode === 'generate' ? generatePassword() : input.password;
  const result = await createUser({ username: input.username, role: input.role, password }, { username: user.username, ip: user.ip });
  if (!result.ok) {
    const field = result.code === 'USERNAME_TAKEN' ? 'username' : 'password';
    return { ...result, fieldErrors: { [field]: result.message } };
  }
  return { ok: true as const, data: { username: input.username, oneTimePassword: input.passwordMode === 'generate' ? password : null } };
});

export const updateUserRole = guardedWrite('ADMIN', changeRoleInputSchema, async (input, user) =>
  changeUserRole(input.username, input.role, { username: user.username, ip: user.ip }),
);

// Resetting also clears a lockout, so it is how an Admin lets a locked-out operator back in.
export const resetUserPassword = guardedWrite('ADMIN', usernameInputSchema, async (input, user) => {
  const password = generatePassword();
  const result = await setPassword(input.username, password, { username: user.username, ip: user.ip }, 'user.password-reset');
  if (!result.ok) return result;
  return { ok: true as const, data: { username: input.username, oneTimePassword: password } };
});

export const removeUser = guardedWrite('ADMIN', usernameInputSchema, async (input, user) =>
  deleteUser(input.username, { username: user.username, ip: user.ip }),
);
