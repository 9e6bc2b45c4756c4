import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { USER_PASSWORD, createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

const asText = (row: object) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

// The caller and the address the guard sees; the guard, the action, the throttle, argon2 and the
// database are real.
const caller = vi.hoisted(() => ({ session: null as ConsoleSession | null, ip: '10.30.0.1' }));
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => caller.session }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'x-forwarded-for': caller.ip }) }));

// Small limits, read when the throttles are first used: 2 wrong passwords per account within 15
// minutes, 3 per address within 300 seconds.
process.env.OTC_LOCKOUT_ATTEMPTS = '2';
process.env.OTC_LOCKOUT_MINUTES = '15';
process.env.OTC_SIGNIN_IP_MAX_FAILURES = '3';
process.env.OTC_SIGNIN_IP_WINDOW_SECONDS = '300';

const { changeOwnPassword } = await import('../../lib/users/actions.ts');
const { authenticate } = await import('../../lib/auth/sign-in.ts');
const { db } = await import('../../lib/db/client.ts');

let appliance: ApplianceDb;

beforeAll(async () => {
  appliance = await createApplianceDatabase();
});
afterAll(async () => appliance.close());
afterEach(() => vi.restoreAllMocks());

async function as(username: string, ip: string) {
  const user = await db().user.findUniqueOrThrow({ where: { username } });
  caller.session = {
    user: { id: user.id, name: user.username, role: user.role },
    lastActive: Date.now(),
    authTime: Date.now(),
    sessionVersion: user.sessionVersion,
  };
  caller.ip = ip;
}

const change = (currentPassword: string, newPassword: string) =>
  changeOwnPassword({ currentPassword, newPassword, confirmPassword: newPassword });

const hashOf = async (username: string) =>
  (await db().user.findUniqueOrThrow({ where: { username }, omit: { passwordHash: false } })).passwordHash;

describe('changing one’s own password', () => {
  it('a wrong current password is refused and audited as a failure; the password stays', async () => {
    await as('viewer', '10.30.0.1');
    const hash = await hashOf('viewer');
    expect(await change('Not-The-Password-1', 'Brand-New-Pass-77')).toMatchObject({
      ok: false,
      code: 'WRONG_PASSWORD',
      message: 'Your current password is not correct.',
    });
    expect(await hashOf('viewer')).toBe(hash);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'user.password-change' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actor: 'viewer', ip: '10.30.0.1', outcome: 'failure', details: { reason: 'wrong current password' } });
    expect(asText(audit)).not.toContain('Not-The-Password-1');
  });

  it('after the account’s limit the right password is refused too, saying how long to wait, until the window passes', async () => {
    await as('viewer', '10.30.0.2');
    // The first failure above counts: one more reaches the limit of 2.
    expect(await change('Still-Wrong-Pass-2', 'Brand-New-Pass-77')).toMatchObject({ code: 'WRONG_PASSWORD' });
    const hash = await hashOf('viewer');
    const refused = await change(USER_PASSWORD, 'Brand-New-Pass-77');
    expect(refused).toMatchObject({
      ok: false,
      code: 'THROTTLED',
      message: expect.stringMatching(/^Too many wrong current passwords for your account\. Try again in 15 minutes\.$/),
    });
    // From another address as well: the limit is the account's.
    caller.ip = '10.30.0.3';
    expect(await change(USER_PASSWORD, 'Brand-New-Pass-77')).toMatchObject({ code: 'THROTTLED' });
    expect(await hashOf('viewer')).toBe(hash);

    // Sixteen minutes later (the session stays fresh) the right password works again.
    const later = Date.now() + 16 * 60_000;
    vi.spyOn(Date, 'now').mockReturnValue(later);
    caller.session = { ...caller.session!, lastActive: later };
    expect(await change(USER_PASSWORD, 'Brand-New-Pass-77')).toEqual({ ok: true });
    expect(await authenticate('viewer', 'Brand-New-Pass-77', '10.30.9.9')).toMatchObject({ ok: true });
  });

  it('after the address’s limit another account from that address must wait too, and other addresses need not', async () => {
    // 10.30.0.4 collects failures from two accounts, each below its own limit.
    await as('admin', '10.30.0.4');
    expect(await change('Wrong-Admin-Pass-1', 'Brand-New-Admin-8')).toMatchObject({ code: 'WRONG_PASSWORD' });
    await as('analyst', '10.30.0.4');
    expect(await change('Wrong-Analyst-Pass-1', 'Brand-New-Pass-Word-8')).toMatchObject({ code: 'WRONG_PASSWORD' });
    await as('admin', '10.30.0.4');
    expect(await change('Wrong-Admin-Pass-2', 'Brand-New-Admin-8')).toMatchObject({ code: 'WRONG_PASSWORD' });

    await as('analyst', '10.30.0.4');
    const hash = await hashOf('analyst');
    expect(await change(USER_PASSWORD, 'Brand-New-Pass-Word-8')).toMatchObject({
      ok: false,
      code: 'THROTTLED',
      message: expect.stringMatching(/^Too many wrong current passwords from your address\. Try again in 5 minutes\.$/),
    });
    expect(await hashOf('analyst')).toBe(hash);

    caller.ip = '10.30.0.5';
    expect(await change(USER_PASSWORD, 'Brand-New-Pass-Word-8')).toEqual({ ok: true });
  });
});
