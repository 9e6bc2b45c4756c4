import { loadConfig } from '../config/env.ts';

// The absolute lifetime of one sign-in (OTC_SESSION_MAX_SECONDS, 12 hours by default). It counts from
// the moment of sign-in and no refresh extends it.
export function sessionMaxMs(): number {
  return loadConfig().sessionMaxSeconds * 1000;
}

export function sessionExpired(authTime: unknown, now: number, maxMs = sessionMaxMs()): boolean {
  return typeof authTime !== 'number' || !Number.isFinite(authTime) || now - authTime >= maxMs || authTime > now + 60_000;
}

// What is left of a sign-in, in whole seconds (0 when it is over): the lifetime of every token issued
// for it, so a re-issued cookie cannot outlive the sign-in either.
export function sessionSecondsLeft(authTime: unknown, now: number, maxMs = sessionMaxMs()): number {
  if (sessionExpired(authTime, now, maxMs)) return 0;
  return Math.max(0, Math.floor(((authTime as number) + maxMs - now) / 1000));
}
