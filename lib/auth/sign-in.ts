import { recordAudit } from '../audit/mutations.ts';
import { loadConfig } from '../config/env.ts';
import { getLogger } from '../logs/logger.ts';
import type { Role } from './roles.ts';
import { findUserForSignIn } from './data.ts';
import { sharedThrottle } from './ip-throttle.ts';
import { recordSignInFailure, recordSignInSuccess } from './mutations.ts';
import { dummyHash, verifyPassword } from './password-hash.ts';

export type SignedInUser = { id: string; username: string; role: Role; sessionVersion: number };
export type SignInResult = { ok: true; user: SignedInUser } | { ok: false; code: 'INVALID' | 'LOCKED' | 'THROTTLED'; message: string };

const INVALID = 'Invalid username or password.';

const throttle = () =>
  sharedThrottle('sign-in', () => {
    const config = loadConfig();
    return { maxFailures: config.signInIpMaxFailures, windowMs: config.signInIpWindowSeconds * 1000 };
  });

function formatTime(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

export async function authenticate(username: string, password: string, ip: string, now = new Date()): Promise<SignInResult> {
  const log = getLogger('auth');
  const config = loadConfig();
  const wait = throttle().retryAfter(ip, now.getTime());
  if (wait > 0) {
    log.warn({ ip, username }, 'sign-in throttled');
    return {
      ok: false,
      code: 'THROTTLED',
      message: `Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 1000)} seconds.`,
    };
  }

  const user = await findUserForSignIn(username);
  const fail = async (code: 'INVALID' | 'LOCKED', message: string, reason: string) => {
    throttle().recordFailure(ip, now.getTime());
    log.warn({ username, ip, reason }, 'sign-in refused');
    await recordAudit({ actor: username, ip, action: 'auth.sign-in', outcome: 'failure', details: { reason } });
    return { ok: false as const, code, message };
  };

  if (!user) {
    await verifyPassword(await dummyHash(), password);
    return fail('INVALID', INVALID, 'unknown user');
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    return fail(
      'LOCKED',
      `This account is locked after repeated failed sign-ins. Try again after ${formatTime(user.lockedUntil)} or ask an Admin to reset the password.`,
      'locked',
    );
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    const lockedUntil = await recordSignInFailure(user.id, now, { attempts: config.lockoutAttempts, lockMinutes: config.lockoutMinutes });
    if (lockedUntil) {
      await recordAudit({
        actor: username,
        ip,
        action: 'auth.lockout',
        outcome: 'success',
        target: username,
        details: { until: lockedUntil.toISOString() },
      });
      return fail(
        'LOCKED',
        `This account is now locked after ${config.lockoutAttempts} failed sign-ins. Try again after ${formatTime(lockedUntil)} or ask an Admin to reset the password.`,
        'wrong password; locked',
      );
    }
    return fail('INVALID', INVALID, 'wrong password');
  }

  await recordSignInSuccess(user.id, now);
  log.info({ username, ip, role: user.role }, 'signed in');
  await recordAudit({ actor: username, ip, action: 'auth.sign-in', outcome: 'success' });
  return { ok: true, user: { id: user.id, username: user.username, role: user.role, sessionVersion: user.sessionVersion } };
}
