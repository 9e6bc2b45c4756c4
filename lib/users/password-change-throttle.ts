import { sharedThrottle } from '../auth/ip-throttle.ts';
import { loadConfig } from '../config/env.ts';

// Someone holding a signed-in session (a browser left open) could otherwise guess the current password
// here without ever meeting the sign-in limits. The same limits apply: per account, the lockout's
// attempts and minutes; per address, the sign-in address limit.
const perAccount = () =>
  sharedThrottle('password-change-account', () => {
    const config = loadConfig();
    return { maxFailures: config.lockoutAttempts, windowMs: config.lockoutMinutes * 60_000 };
  });
const perAddress = () =>
  sharedThrottle('password-change-address', () => {
    const config = loadConfig();
    return { maxFailures: config.signInIpMaxFailures, windowMs: config.signInIpWindowSeconds * 1000 };
  });

function inWords(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

// The refusal while either limit holds, or null. Checked before the password is, so the right password
// is refused too until the window has passed.
export function passwordChangeThrottled(userId: string, ip: string, now: number): string | null {
  const account = perAccount().retryAfter(userId, now);
  if (account > 0) return `Too many wrong current passwords for your account. Try again in ${inWords(account)}.`;
  const address = perAddress().retryAfter(ip, now);
  if (address > 0) return `Too many wrong current passwords from your address. Try again in ${inWords(address)}.`;
  return null;
}

export function recordWrongCurrentPassword(userId: string, ip: string, now: number): void {
  perAccount().recordFailure(userId, now);
  perAddress().recordFailure(ip, now);
}
