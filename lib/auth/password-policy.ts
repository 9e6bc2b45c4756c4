import { randomInt } from 'node:crypto';
import { z } from 'zod';

// The one password policy, applied to every password the console accepts (UI, CLI, first boot).
// README.md "Password policy" states the same rules.
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

const CLASSES: [RegExp, string][] = [
  [/[a-z]/, 'a lowercase letter'],
  [/[A-Z]/, 'an uppercase letter'],
  [/[0-9]/, 'a digit'],
  [/[^A-Za-z0-9]/, 'a symbol'],
];

export function checkPassword(password: string, username?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  const missing = CLASSES.filter(([re]) => !re.test(password)).map(([, name]) => name);
  if (missing.length > 1)
    return `Password must contain at least three of: lowercase, uppercase, digit, symbol (missing ${missing.join(', ')}).`;
  if (username && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    return 'Password must not contain the username.';
  }
  return null;
}

export const passwordSchema = z.string().superRefine((value, ctx) => {
  const problem = checkPassword(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ALPHABET = {
  lower: 'abcdefghijkmnpqrstuvwxyz',
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  digit: '23456789',
  symbol: '-_.!@#%+=',
};

// Random passwords (first boot, resets) avoid look-alike characters because people type them from a
// console screen, and always satisfy the policy.
export function generatePassword(length = 20): string {
  const all = Object.values(ALPHABET).join('');
  const chars = Object.values(ALPHABET).map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export const PASSWORD_POLICY_TEXT = `At least ${PASSWORD_MIN_LENGTH} characters with three of: lowercase, uppercase, digit, symbol; must not contain the username.`;
