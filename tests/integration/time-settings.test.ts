import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { loadConsoleFrame } from '../../lib/appliance/loaders.ts';
import { db } from '../../lib/db/client.ts';
import { updateConsoleName } from '../../lib/appliance/actions.ts';
import { updateTimeSettings } from '../../lib/time/actions.ts';
import { getSetting } from '../../lib/settings/data.ts';
import { timezoneSchema } from '../../lib/settings/schema.ts';
import { listTimezones, loadTimeSettings } from '../../lib/time/loaders.ts';
import { loadUsersView } from '../../lib/users/loaders.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

const caller = vi.hoisted(() => ({ session: null as ConsoleSession | null }));
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => caller.session }));

let appliance: ApplianceDb;

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  const admin = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
  caller.session = {
    user: { id: admin.id, name: 'admin', role: 'ADMIN' },
    lastActive: Date.now(),
    authTime: Date.now(),
    sessionVersion: 0,
  };
});
afterAll(async () => appliance.close());

async function snapshot() {
  const [settings, journal, audit] = await Promise.all([
    db().setting.findMany({ orderBy: { key: 'asc' } }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
  ]);
  return JSON.stringify({ settings, journal, audit }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

async function expectRefused(call: () => Promise<unknown>, expected: { message: string; field: string }) {
  const before = await snapshot();
  const result = (await call()) as { ok: boolean; code: string; message: string; fieldErrors?: Record<string, string> };
  expect(result).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: expected.message });
  expect(result.fieldErrors?.[expected.field]).toBe(expected.message);
  expect(await snapshot()).toBe(before);
}

const counts = async () => ({
  journal: await db().journal.count({ where: { entity: { not: 'audit' } } }),
  audit: await db().auditEvent.count(),
});

describe('time settings', () => {
  it('start at no NTP server and UTC', async () => {
    expect(await loadTimeSettings()).toMatchObject({ ntpServer: '', timezone: 'UTC', now: expect.any(Number) });
  });

  it('saves NTP server and time zone: a journal row and an audit event per changed setting', async () => {
    const before = await counts();
    expect(await updateTimeSettings({ ntpServer: ' ntp.plant.example ', timezone: 'Europe/Berlin' })).toEqual({
      ok: true,
      changed: ['time.ntpServer', 'time.timezone'],
    });
    expect(await getSetting('time.ntpServer')).toBe('ntp.plant.example');
    expect(await getSetting('time.timezone')).toBe('Europe/Berlin');
    expect(await counts()).toEqual({ journal: before.journal + 2, audit: before.audit + 2 });
    const journal = await db().journal.findMany({ where: { entity: 'setting' }, orderBy: { seq: 'asc' } });
    expect(journal.map((j) => [j.key, j.op, j.payload])).toEqual([
      ['time.ntpServer', 'upsert', { value: 'ntp.plant.example' }],
      ['time.timezone', 'upsert', { value: 'Europe/Berlin' }],
    ]);
    const audit = await db().auditEvent.findMany({ where: { action: 'setting.change' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.actor, a.target, a.details])).toEqual([
      ['admin', 'time.ntpServer', { from: null, to: 'ntp.plant.example' }],
      ['admin', 'time.timezone', { from: null, to: 'Europe/Berlin' }],
    ]);
  });

  it('writes only what changed; an unchanged form writes nothing', async () => {
    const before = await snapshot();
    expect(await updateTimeSettings({ ntpServer: 'ntp.plant.example', timezone: 'Europe/Berlin' })).toEqual({ ok: true, changed: [] });
    expect(await snapshot()).toBe(before);
    const counted = await counts();
    expect(await updateTimeSettings({ ntpServer: '192.0.2.10', timezone: 'Europe/Berlin' })).toEqual({
      ok: true,
      changed: ['time.ntpServer'],
    });
    expect(await counts()).toEqual({ journal: counted.journal + 1, audit: counted.audit + 1 });
    expect(await updateTimeSettings({ ntpServer: '', timezone: 'UTC' })).toMatchObject({ ok: true });
    expect(await loadTimeSettings()).toMatchObject({ ntpServer: '', timezone: 'UTC' });
  });

  it('refuses a bad NTP server or time zone, even with the other field valid, and changes nothing', async () => {
    const ntp = 'Enter an IPv4 address or a host name (or leave it empty).';
    const tz = 'Choose an IANA time zone such as Europe/Berlin or UTC.';
    for (const ntpServer of ['not a host', 'ntp_server.example', 'http://ntp.example', '-bad.example', 'a'.repeat(254)]) {
      await expectRefused(() => updateTimeSettings({ ntpServer, timezone: 'Asia/Tokyo' }), { message: ntp, field: 'ntpServer' });
    }
    for (const timezone of ['Mars/Olympus', 'utc', 'Europe/berlin', '', 'CET; DROP TABLE setting']) {
      await expectRefused(() => updateTimeSettings({ ntpServer: 'ntp.example', timezone }), { message: tz, field: 'timezone' });
    }
    expect(await loadTimeSettings()).toMatchObject({ ntpServer: '', timezone: 'UTC' });
  });

  it('offers exactly the zones it accepts', () => {
    const zones = listTimezones();
    expect(zones).toContain('UTC');
    expect(zones).toContain('Europe/Berlin');
    expect(zones.length).toBeGreaterThan(300);
    expect(new Set(zones).size).toBe(zones.length);
    for (const zone of zones) expect(timezoneSchema.safeParse(zone).success, zone).toBe(true);
  });

  it('the time zone is what System Settings → Users shows times in', async () => {
    await db().user.update({ where: { username: 'viewer' }, data: { lastSignInAt: new Date(Date.UTC(2026, 0, 15, 12, 0, 0)) } });
    expect((await loadUsersView()).find((u) => u.username === 'viewer')?.lastSignIn).toBe('2026-01-15 12:00 (UTC)');
    expect(await updateTimeSettings({ ntpServer: '', timezone: 'Asia/Tokyo' })).toMatchObject({ ok: true });
    expect((await loadUsersView()).find((u) => u.username === 'viewer')?.lastSignIn).toBe('2026-01-15 21:00 (Asia/Tokyo)');
  });
});

describe('console name', () => {
  it('the header shows the appliance domain until a name is set, then the name', async () => {
    expect((await loadConsoleFrame()).consoleName).toBe('otc-test.local');
    const before = await counts();
    expect(await updateConsoleName({ name: '  Plant North OT  ' })).toEqual({ ok: true, changed: ['console.name'] });
    expect((await loadConsoleFrame()).consoleName).toBe('Plant North OT');
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect((await db().journal.findMany({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' }, take: 1 }))[0]).toMatchObject({
      entity: 'setting',
      key: 'console.name',
      payload: { value: 'Plant North OT' },
    });
    expect((await db().auditEvent.findMany({ orderBy: { id: 'desc' }, take: 1 }))[0]).toMatchObject({
      action: 'setting.change',
      target: 'console.name',
      details: { from: null, to: 'Plant North OT' },
    });
  });

  it('refuses a name over 25 characters and changes nothing', async () => {
    await expectRefused(() => updateConsoleName({ name: 'x'.repeat(26) }), {
      message: 'The console name can be at most 25 characters.',
      field: 'name',
    });
    expect((await loadConsoleFrame()).consoleName).toBe('Plant North OT');
  });

  it('an empty name goes back to the domain', async () => {
    expect(await updateConsoleName({ name: '   ' })).toEqual({ ok: true, changed: ['console.name'] });
    expect((await loadConsoleFrame()).consoleName).toBe('otc-test.local');
  });

  it('is Admin-only', async () => {
    const saved = caller.session;
    const analyst = await db().user.findUniqueOrThrow({ where: { username: 'analyst' } });
    caller.session = {
      user: { id: analyst.id, name: 'analyst', role: 'SECURITY_ANALYST' },
      lastActive: Date.now(),
      authTime: Date.now(),
      sessionVersion: 0,
    };
    const before = await snapshot();
    expect(await updateConsoleName({ name: 'Hijacked' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await updateTimeSettings({ ntpServer: 'evil.example', timezone: 'UTC' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await snapshot()).toBe(before);
    caller.session = saved;
  });
});
