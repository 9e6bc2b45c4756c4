import { z } from 'zod';
import { ROLES } from '../auth/roles.ts';
import { passwordSchema } from '../auth/password-policy.ts';

export const usernameSchema = z
  .string()
  .trim()
  .min(3, 'Username must be at least 3 characters.')
  .max(32, 'Username must be at most 32 characters.')
  .regex(/^[a-z][a-z0-9._-]*$/, 'Username may hold lowercase letters, digits, ".", "_" and "-", and must start with a letter.');

export const roleSchema = z.enum(ROLES);

export const newUserSchema = z.object({ username: usernameSchema, password: passwordSchema, role: roleSchema });
export type NewUser = z.infer<typeof newUserSchema>;
