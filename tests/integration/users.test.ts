import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { checkPassword } from '../../lib/auth/password-policy.ts';
import { authenticate } from '../../lib/auth/sign-in.ts';
import { db } from '../../lib/db/client.ts';
import { addUser, removeUser, resetUserPassword, updateUserRole } from '../../lib/users/actions.ts';
import { changeUserRole, createUser, deleteUser } from '../../lib/users/mutations.ts';
import { USER_PASSWORD, createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// The caller the guard sees; everything else (guard, actions, mutations, database) is real.
const caller = vi.hoisted(() => ({ session: null as ConsoleSession | null }));
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => caller.session }));

let appliance: ApplianceDb;
let logDir: string;
const secrets: string[] = [];

beforeAll(async () => {
  logDir = await mkdtemp(path.join(tmpdir(), 'otc-users-logs-'));
  process.env.OTC_LOG_DIR = logDir;
  appliance = await createApplianceDatabase();
});
afterAll(async () => appliance.close());

async function as(username: string) {
  const user = await db().user.findUniqueOrThrow({ where: { username } });
  caller.session = {
    user: { id: user.id, name: user.username, role: user.role },
    lastActive: Date.now(),
    authTime: Date.now(),
    sessionVersion: user.sessionVersion,
  };
}

// Everything a refused call must leave untouched: every account (hashes and lock counters included),
// the journal and the audit trail.
async function snapshot() {
  const [users, journal, audit] = await Promise.all([
    db().user.findMany({ orderBy: { username: 'asc' }, omit: { passwordHash: false } }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
  ]);
  return JSON.stringify({ users, journal, audit });
}

async function expectRefused(call: () => Promise<unknown>, expected: { code: string; message: string | RegExp }) {
  const before = await snapshot();
  const result = (await call()) as { ok: boolean; code: string; message: string };
  expect(result).toMatchObject({ ok: false, code: expected.code });
  if (typeof expected.message === 'string') expect(result.message).toBe(expected.message);
  else expect(result.message).toMatch(expected.message);
  expect(await snapshot(), `${expected.code} changed something`).toBe(before);
  return result;
}

const lastJournal = async () =>
  (await db().journal.findMany({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' }, take: 1 }))[0]!;
const lastAudit = async () => (await db().auditEvent.findMany({ orderBy: { id: 'desc' }, take: 1 }))[0]!;
const counts = async () => ({
  journal: await db().journal.count({ where: { entity: { not: 'audit' } } }),
  audit: await db().auditEvent.count(),
});

describe('creating users', () => {
  it('creates a user with a generated password, shown once, that signs in; journaled and audited in one go', async () => {
    await as('admin');
    const before = await counts();
    const result = await addUser({ passwordMode: 'generate', username: 'operator1', role: 'SECURITY_ANALYST' });
    expect(result).toMatchObject({ ok: true, data: { username: 'operator1', oneTimePassword: expect.any(String) } });
    if (!result.ok) return;
    const password = result.data.oneTimePassword!;
    secrets.push(password);
    expect(checkPassword(password, 'operator1')).toBeNull();
    expect(await authenticate('operator1', password, '10.5.0.1')).toMatchObject({ ok: true, user: { role: 'SECURITY_ANALYST' } });

    // One journal row (the hash, never the password) and one audit event for the creation itself.
    const rows = await db().journal.findMany({ where: { entity: 'user', key: 'operator1' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      op: 'upsert',
      payload: { username: 'operator1', role: 'SECURITY_ANALYST', passwordHash: expect.stringMatching(/^\$argon2id\$/) },
    });
    expect(JSON.stringify(rows[0]!.payload)).not.toContain(password);
    const created = await db().auditEvent.findMany({ where: { action: 'user.create', target: 'operator1' } });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actor: 'admin', outcome: 'success', details: { role: 'SECURITY_ANALYST' } });
    const after = await counts();
    expect(after.journal - before.journal).toBe(1);
    // +1 user.create, +1 for the sign-in above.
    expect(after.audit - before.audit).toBe(2);
  });

  it('creates a user with a typed password (no password is returned)', async () => {
    await as('admin');
    const result = await addUser({ passwordMode: 'typed', username: 'reader1', role: 'READ_ONLY', password: 'Typed-Strong-Pass-9' });
    expect(result).toEqual({ ok: true, data: { username: 'reader1', oneTimePassword: null } });
    expect(await authenticate('reader1', 'Typed-Strong-Pass-9', '10.5.0.2')).toMatchObject({ ok: true, user: { role: 'READ_ONLY' } });
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    await as('admin');
    await expectRefused(() => addUser({ passwordMode: 'typed', username: 'weak1', role: 'READ_ONLY', password: 'short' }), {
      code: 'INVALID_INPUT',
      message: 'Password must be at least 12 characters long.',
    });
    await expectRefused(() => addUser({ passwordMode: 'typed', username: 'plantops', role: 'READ_ONLY', password: 'My-plantops-Pass-1' }), {
      code: 'WEAK_PASSWORD',
      message: 'Password must not contain the username.',
    });
    const taken = await expectRefused(() => addUser({ passwordMode: 'generate', username: 'analyst', role: 'READ_ONLY' }), {
      code: 'USERNAME_TAKEN',
      message: 'A user named "analyst" already exists.',
    });
    expect(taken).toMatchObject({ fieldErrors: { username: 'A user named "analyst" already exists.' } });
    await expectRefused(() => addUser({ passwordMode: 'generate', username: 'Bad Name', role: 'READ_ONLY' }), {
      code: 'INVALID_INPUT',
      message: /^Username may hold lowercase letters/,
    });
    await expectRefused(() => addUser({ passwordMode: 'generate', username: 'ab', role: 'READ_ONLY' }), {
      code: 'INVALID_INPUT',
      message: 'Username must be at least 3 characters.',
    });
    await expectRefused(() => addUser({ passwordMode: 'generate', username: 'newbie', role: 'ROOT' } as never), {
      code: 'INVALID_INPUT',
      message: 'Choose a role: Admin, Security Analyst or Read Only.',
    });
    // A typed password must be sent with the typed mode; a generated one cannot be smuggled in.
    await expectRefused(() => addUser({ passwordMode: 'typed', username: 'newbie', role: 'READ_ONLY' } as never), {
      code: 'INVALID_INPUT',
      message: /.+/,
    });
    await expectRefused(
      () => addUser({ passwordMode: 'generate', username: 'newbie', role: 'READ_ONLY', password: 'Typed-Strong-Pass-9' } as never),
      {
        code: 'INVALID_INPUT',
        message: /.+/,
      },
    );
    expect(await db().user.findUnique({ where: { username: 'newbie' } })).toBeNull();
  });
});

describe('changing roles', () => {
  it('changes another user’s role; journaled with the new role and audited with from/to', async () => {
    await as('admin');
    const before = await counts();
    expect(await updateUserRole({ username: 'operator1', role: 'READ_ONLY' })).toEqual({
      ok: true,
      from: 'SECURITY_ANALYST',
      to: 'READ_ONLY',
    });
    expect((await db().user.findUniqueOrThrow({ where: { username: 'operator1' } })).role).toBe('READ_ONLY');
    expect(await lastJournal()).toMatchObject({
      entity: 'user',
      key: 'operator1',
      op: 'upsert',
      payload: { role: 'READ_ONLY', passwordHash: expect.stringMatching(/^\$argon2id\$/) },
    });
    expect(await lastAudit()).toMatchObject({
      action: 'user.role-change',
      actor: 'admin',
      target: 'operator1',
      details: { from: 'SECURITY_ANALYST', to: 'READ_ONLY' },
    });
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
  });

  it('a role change ends the user’s session at its very next call; signed in again, the new role applies', async () => {
    await as('admin');
    expect(await updateUserRole({ username: 'reader1', role: 'ADMIN' })).toMatchObject({ ok: true });
    await as('reader1');
    const readerSession = caller.session;
    expect(await updateUserRole({ username: 'operator1', role: 'SECURITY_ANALYST' })).toMatchObject({ ok: true });
    await as('admin');
    expect(await updateUserRole({ username: 'reader1', role: 'READ_ONLY' })).toMatchObject({ ok: true });
    // The session reader1 signed in with as an Admin has ended.
    caller.session = readerSession;
    await expectRefused(() => updateUserRole({ username: 'operator1', role: 'READ_ONLY' }), {
      code: 'UNAUTHENTICATED',
      message: 'Your session has ended. Sign in again.',
    });
    // A new sign-in carries the new role, which may not do this.
    await as('reader1');
    await expectRefused(() => updateUserRole({ username: 'operator1', role: 'READ_ONLY' }), {
      code: 'FORBIDDEN',
      message: 'This needs the Admin role.',
    });
  });

  it('refuses changing your own role, an unchanged role, an unknown user or role, and changes nothing', async () => {
    await as('admin');
    await expectRefused(() => updateUserRole({ username: 'admin', role: 'READ_ONLY' }), {
      code: 'SELF_ROLE_CHANGE',
      message: 'You cannot change your own role. Ask another Admin to do it.',
    });
    await expectRefused(() => updateUserRole({ username: 'viewer', role: 'READ_ONLY' }), {
      code: 'SAME_ROLE',
      message: '"viewer" already has the Read Only role.',
    });
    await expectRefused(() => updateUserRole({ username: 'ghost', role: 'READ_ONLY' }), {
      code: 'UNKNOWN_USER',
      message: 'There is no user named "ghost". It may have been deleted: reload the page.',
    });
    await expectRefused(() => updateUserRole({ username: 'viewer', role: 'SUPERUSER' } as never), {
      code: 'INVALID_INPUT',
      message: 'Choose a role: Admin, Security Analyst or Read Only.',
    });
  });

  it('never demotes the last Admin, not even from the CLI', async () => {
    const cli = { username: 'cli:root' };
    expect(await db().user.count({ where: { role: 'ADMIN' } })).toBe(1);
    await expectRefused(() => changeUserRole('admin', 'SECURITY_ANALYST', cli), {
      code: 'LAST_ADMIN',
      message: '"admin" is the last Admin and must keep the Admin role. Give another user the Admin role first.',
    });
  });

  it('two Admins demoting each other at the same moment: one wins, one Admin always remains', async () => {
    expect(await createUser({ username: 'admin2', password: USER_PASSWORD, role: 'READ_ONLY' }, { username: 'admin' })).toMatchObject({
      ok: true,
    });
    // Repeated, because a race only shows when the two transactions overlap.
    for (let round = 0; round < 20; round++) {
      expect(await changeUserRole('admin2', 'ADMIN', { username: 'admin' })).toMatchObject({ ok: true });
      const results = await Promise.all([
        changeUserRole('admin2', 'READ_ONLY', { username: 'admin' }),
        changeUserRole('admin', 'READ_ONLY', { username: 'admin2' }),
      ]);
      expect(await db().user.count({ where: { role: 'ADMIN' } }), `round ${round}`).toBe(1);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toMatchObject({ code: 'LAST_ADMIN' });
      // Put things back: admin is the Admin, admin2 is not.
      if (results[1].ok) {
        expect(await changeUserRole('admin', 'ADMIN', { username: 'admin2' })).toMatchObject({ ok: true });
        expect(await changeUserRole('admin2', 'READ_ONLY', { username: 'admin' })).toMatchObject({ ok: true });
      }
    }
    expect((await db().user.findUniqueOrThrow({ where: { username: 'admin' } })).role).toBe('ADMIN');
  });
});

describe('resetting passwords', () => {
  it('generates a new password shown once, clears a lockout, journals the hash and audits', async () => {
    await db().user.update({ where: { username: 'viewer' }, data: { lockedUntil: new Date(Date.now() + 3_600_000), failedAttempts: 3 } });
    expect(await authenticate('viewer', USER_PASSWORD, '10.6.0.1')).toMatchObject({ ok: false, code: 'LOCKED' });
    await as('viewer');
    const viewerSession = caller.session;
    await as('admin');
    const before = await counts();
    const result = await resetUserPassword({ username: 'viewer' });
    expect(result).toMatchObject({ ok: true, data: { username: 'viewer', oneTimePassword: expect.any(String) } });
    if (!result.ok) return;
    secrets.push(result.data.oneTimePassword);
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect(await lastJournal()).toMatchObject({ entity: 'user', key: 'viewer', op: 'upsert' });
    expect(JSON.stringify((await lastJournal()).payload)).not.toContain(result.data.oneTimePassword);
    expect(await lastAudit()).toMatchObject({ action: 'user.password-reset', actor: 'admin', target: 'viewer' });
    expect(await db().user.findUniqueOrThrow({ where: { username: 'viewer' } })).toMatchObject({ lockedUntil: null, failedAttempts: 0 });
    expect(await authenticate('viewer', USER_PASSWORD, '10.6.0.2')).toMatchObject({ ok: false, code: 'INVALID' });
    expect(await authenticate('viewer', result.data.oneTimePassword, '10.6.0.3')).toMatchObject({ ok: true });
    // The session the viewer had before the reset has ended.
    caller.session = viewerSession;
    expect(await addUser({ passwordMode: 'generate', username: 'sneaky', role: 'READ_ONLY' })).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an unknown user and changes nothing', async () => {
    await as('admin');
    await expectRefused(() => resetUserPassword({ username: 'ghost' }), {
      code: 'UNKNOWN_USER',
      message: 'There is no user named "ghost".',
    });
    await expectRefused(() => resetUserPassword({ username: '' }), { code: 'INVALID_INPUT', message: 'Choose a user.' });
  });
});

describe('deleting users', () => {
  it('refuses deleting yourself, the last Admin and an unknown user, and changes nothing', async () => {
    await as('admin');
    await expectRefused(() => removeUser({ username: 'admin' }), {
      code: 'SELF_DELETE',
      message: 'You cannot delete your own account. Ask another Admin to do it.',
    });
    await expectRefused(() => removeUser({ username: 'ghost' }), {
      code: 'UNKNOWN_USER',
      message: 'There is no user named "ghost". It may have been deleted: reload the page.',
    });
    await expectRefused(() => deleteUser('admin', { username: 'cli:root' }), {
      code: 'LAST_ADMIN',
      message: '"admin" is the last Admin and cannot be deleted. Give another user the Admin role first.',
    });
  });

  it('deletes a user: journal op delete, audit user.delete, and their session ends at once', async () => {
    await as('operator1');
    const operatorSession = caller.session;
    await as('admin');
    const before = await counts();
    expect(await removeUser({ username: 'operator1' })).toEqual({ ok: true });
    expect(await db().user.findUnique({ where: { username: 'operator1' } })).toBeNull();
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect(await lastJournal()).toMatchObject({
      entity: 'user',
      key: 'operator1',
      op: 'delete',
      payload: { username: 'operator1', role: 'SECURITY_ANALYST' },
    });
    expect(await lastAudit()).toMatchObject({
      action: 'user.delete',
      actor: 'admin',
      target: 'operator1',
      details: { role: 'SECURITY_ANALYST' },
    });
    // A deleted user's session is refused like a signed-out one.
    caller.session = operatorSession;
    await expectRefused(() => removeUser({ username: 'viewer' }), {
      code: 'UNAUTHENTICATED',
      message: 'Your session has ended. Sign in again.',
    });
    expect(await authenticate('operator1', secrets[0]!, '10.7.0.1')).toMatchObject({ ok: false, code: 'INVALID' });
  });

  it('deleting an Admin is allowed while another Admin remains', async () => {
    await as('admin');
    expect(await updateUserRole({ username: 'admin2', role: 'ADMIN' })).toMatchObject({ ok: true });
    expect(await removeUser({ username: 'admin2' })).toEqual({ ok: true });
    expect(await db().user.count({ where: { role: 'ADMIN' } })).toBe(1);
  });
});

it('never writes a generated password to the logs', async () => {
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  const files = await readdir(logDir);
  expect(files).toContain('audit.log');
  const text = (await Promise.all(files.map((f) => readFile(path.join(logDir, f), 'utf8')))).join('\n');
  expect(text).toContain('user.password-reset');
  for (const secret of [...secrets, 'Typed-Strong-Pass-9']) expect(text).not.toContain(secret);
});
