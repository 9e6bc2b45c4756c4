import { cookies } from 'next/headers';
import { decode, encode } from 'next-auth/jwt';
import { SESSION_COOKIE } from './session-cookie-name.ts';
import { sessionSecondsLeft } from './session-limits.ts';

// After users change their own password every session of theirs has ended (lib/users/mutations.ts
// raises sessionVersion), the one they are using included. This re-issues that one with the new
// version, so they stay signed in here while every other browser is signed out. The sign-in time is
// kept: a password change does not extend the absolute limit. False outside a request (CLI, tests).
export async function reissueCurrentSession(sessionVersion: number): Promise<boolean> {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) return false;
  let store: Awaited<ReturnType<typeof cookies>>;
  try {
    store = await cookies();
  } catch {
    return false;
  }
  const raw = store.get(SESSION_COOKIE)?.value;
  if (!raw) return false;
  const token = await decode({ token: raw, secret }).catch(() => null);
  if (!token) return false;
  const now = Date.now();
  const maxAge = sessionSecondsLeft(token.authTime, now);
  if (maxAge === 0) return false;
  const { iat: _iat, exp: _exp, jti: _jti, ...claims } = token;
  const value = await encode({ token: { ...claims, sv: sessionVersion }, secret, maxAge });
  store.set(SESSION_COOKIE, value, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', expires: new Date(now + maxAge * 1000) });
  return true;
}
