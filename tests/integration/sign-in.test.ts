import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../lib/auth/sign-in.ts';
import { db } from '../../lib/db/client.ts';
import { setPassword } from '../../lib/users/mutations.ts';
import { ADMIN_PASSWORD, createApplianceDatabase, USER_PASSWORD, type ApplianceDb } from '../support/appliance-db.ts';

let appliance: ApplianceDb;
let logDir: string;

beforeAll(async () => {
  logDir = await mkdtemp(path.join(tmpdir(), 'otc-logs-'));
  process.env.OTC_LOG_DIR = logDir;
  process.env.OTC_LOCKOUT_ATTEMPTS = '5';
  process.env.OTC_LOCKOUT_MINUTES = '15';
  process.env.OTC_SIGNIN_IP_MAX_FAILURES = '8';
  process.env.OTC_SIGNIN_IP_WINDOW_SECONDS = '300';
  appliance = await createApplianceDatabase();
});
afterAll(async () => appliance.close());

const audits = (actor: string) => db().auditEvent.findMany({ where: { actor }, orderBy: { id: 'asc' } });

describe('sign-in', () => {
  it('accepts the right password and records the success', async () => {
    const result = await authenticate('admin', ADMIN_PASSWORD, '10.0.0.1');
    expect(result).toMatchObject({ ok: true, user: { username: 'admin', role: 'ADMIN' } });
    const events = await audits('admin');
    expect(events.at(-1)).toMatchObject({ action: 'auth.sign-in', outcome: 'success', ip: '10.0.0.1' });
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    const wrong = await authenticate('admin', 'not-the-password', '10.0.0.2');
    const unknown = await authenticate('nobody', 'not-the-password', '10.0.0.2');
    expect(wrong).toEqual({ ok: false, code: 'INVALID', message: 'Invalid username or password.' });
    expect(unknown).toEqual(wrong);
    expect((await audits('nobody')).at(-1)).toMatchObject({ action: 'auth.sign-in', outcome: 'failure' });
  });

  it('locks the account after five failures, refuses even the right password, and a reset unlocks it', async () => {
    for (let i = 1; i <= 4; i++) expect(await authenticate('analyst', `wrong-${i}`, `10.1.0.${i}`)).toMatchObject({ code: 'INVALID' });
    const fifth = await authenticate('analyst', 'wrong-5', '10.1.0.5');
    expect(fifth).toMatchObject({ ok: false, code: 'LOCKED' });
    if (!fifth.ok) expect(fifth.message).toMatch(/locked after 5 failed sign-ins/);
    const user = await db().user.findUniqueOrThrow({ where: { username: 'analyst' } });
    expect(user.lockedUntil!.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(await authenticate('analyst', USER_PASSWORD, '10.1.0.6')).toMatchObject({ ok: false, code: 'LOCKED' });
    expect((await audits('analyst')).some((e) => e.action === 'auth.lockout')).toBe(true);
    // Locked only for its window: fifteen minutes later the right password works again.
    expect(await authenticate('analyst', USER_PASSWORD, '10.1.0.7', new Date(Date.now() + 16 * 60_000))).toMatchObject({ ok: true });

    for (let i = 1; i <= 5; i++) await authenticate('analyst', `wrong-${i}`, `10.2.0.${i}`);
    expect(await setPassword('analyst', 'A-brand-new-Pass-3', { username: 'admin' })).toMatchObject({ ok: true });
    expect(await authenticate('analyst', 'A-brand-new-Pass-3', '10.2.0.9')).toMatchObject({ ok: true });
  });

  it('throttles an address after too many failures, whatever the accounts', async () => {
    for (let i = 0; i < 8; i++) await authenticate(`ghost${i}`, 'x', '10.9.9.9');
    const throttled = await authenticate('admin', ADMIN_PASSWORD, '10.9.9.9');
    expect(throttled).toMatchObject({ ok: false, code: 'THROTTLED' });
    if (!throttled.ok) expect(throttled.message).toMatch(/Try again in \d+ seconds/);
    // Another address is not affected.
    expect(await authenticate('admin', ADMIN_PASSWORD, '10.9.9.10')).toMatchObject({ ok: true });
  });

  it('password changes are journaled (hash, never the clear password) and audited', async () => {
    const before = await db().journal.count({ where: { entity: { not: 'audit' } } });
    expect(await setPassword('viewer', 'Short1!', { username: 'admin' })).toMatchObject({ ok: false, code: 'WEAK_PASSWORD' });
    expect(await db().journal.count({ where: { entity: { not: 'audit' } } })).toBe(before);
    expect(await setPassword('viewer', 'Changed-Pass-Four-4', { username: 'viewer' }, 'user.password-change')).toMatchObject({ ok: true });
    const rows = await db().journal.findMany({ where: { seq: { gt: BigInt(0) }, entity: 'user', key: 'viewer' }, orderBy: { seq: 'asc' } });
    const last = rows.at(-1)!;
    expect(last).toMatchObject({ op: 'upsert', term: BigInt(1) });
    expect(JSON.stringify(last.payload)).toContain('$argon2id$');
    expect(JSON.stringify(last.payload)).not.toContain('Changed-Pass-Four-4');
    expect((await audits('viewer')).at(-1)).toMatchObject({ action: 'user.password-change', target: 'viewer' });
  });

  it('stores argon2id hashes and never writes a password to the logs', async () => {
    const user = await db().user.findUniqueOrThrow({ where: { username: 'admin' }, omit: { passwordHash: false } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const plain = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
    expect(plain).not.toHaveProperty('passwordHash');
    const files = await readdir(logDir);
    expect(files).toContain('auth.log');
    expect(files).toContain('audit.log');
    const text = (await Promise.all(files.map((f) => readFile(path.join(logDir, f), 'utf8')))).join('\n');
    for (const secret of [ADMIN_PASSWORD, USER_PASSWORD, 'A-brand-new-Pass-3', 'Changed-Pass-Four-4', '$argon2id$'])
      expect(text).not.toContain(secret);
  });
});
