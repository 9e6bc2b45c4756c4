import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { TOKEN_LENGTH } from './connection-string.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function generateConnectionToken(): string {
  let token = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) token += ALPHABET[randomInt(ALPHABET.length)];
  return token;
}

// Constant-time whatever the lengths: compare fixed-size digests.
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}
