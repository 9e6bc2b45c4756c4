import { describe, expect, it } from 'vitest';
import { checkPassword, generatePassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';

describe('password policy', () => {
  it.each([
    ['Short1!', /at least 12 characters/],
    ['alllowercaseletters', /three of/],
    ['alllowercase123', /three of: .*missing an uppercase letter, a symbol/],
    ['x'.repeat(129), /at most 128/],
  ])('refuses %j', (password, message) => expect(checkPassword(password)).toMatch(message));

  it('refuses a password containing the username', () => expect(checkPassword('Operator-2024-x', 'operator')).toMatch(/username/));

  it('accepts three classes out of four', () => {
    expect(checkPassword('lowerUPPER1234')).toBeNull();
    expect(checkPassword('lower-upper-1234')).toBeNull();
  });

  it('generates passwords that satisfy it', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p.length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
      expect(checkPassword(p, 'admin')).toBeNull();
    }
  });
});
