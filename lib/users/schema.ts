import { z } from 'zod';
import { ROLES } from '../auth/roles.ts';
import { passwordSchema } from '../auth/password-policy.ts';

export const usernameSchema = z
  .string()
  .trim()
  .min(3, 'Username must be at least 3 characters.')
  .max(32, 'Username must be at most 32 characters.')
  .regex(/^[a-z][a-z0-9._-]*$/, 'Username may hold lowercase letters, digits, ".", "_" and "-", and must start with a letter.');

export const roleSchema = z.enum(ROLES, { error: 'Choose a role: Admin, Security Analyst or Read Only.' });

export const newUserSchema = z.object({ username: usernameSchema, password: passwordSchema, role: roleSchema });
export type NewUser = z.infer<typeof newUserSchema>;

// An Admin creates an account either with a password they type (checked by the one policy, the
// username included, in createUser) or with one the console generates and shows once.
export const createUserInputSchema = z.discriminatedUnion('passwordMode', [
  z.object({ passwordMode: z.literal('generate'), username: usernameSchema, role: roleSchema }).strict(),
  z.object({ passwordMode: z.literal('typed'), username: usernameSchema, role: roleSchema, password: passwordSchema }).strict(),
]);

// Existing accounts are named by username, the key they are journaled under. No format check beyond a
// sane length: an account created before a format rule changed must still be manageable.
export const existingUsernameSchema = z.string().trim().min(1, 'Choose a user.').max(128);

export const changeRoleInputSchema = z.object({ username: existingUsernameSchema, role: roleSchema }).strict();
export const usernameInputSchema = z.object({ username: existingUsernameSchema }).strict();
