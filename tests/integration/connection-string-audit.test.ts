import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

const asText = (row: object) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

// The caller and the address the guard sees; the guard, the actions, the audit trail and the database
// are real.
const caller = vi.hoisted(() => ({ session: null as ConsoleSession | null, ip: '10.20.0.7' }));
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => caller.session }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'x-forwarded-for': caller.ip }) }));

const { regenerateConnectionString, revealConnectionString } = await import('../../lib/appliance/actions.ts');
const { db } = await import('../../lib/db/client.ts');

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

const disclosures = () =>
  db().auditEvent.findMany({ where: { action: { in: ['connection-string.reveal', 'connection-string.copy'] } }, orderBy: { id: 'asc' } });

describe('connection string disclosure', () => {
  it('each reveal and each copy is an audit event with actor and address, and the token is nowhere in it', async () => {
    const { connectionToken, tokenRotatedAt } = await db().appliance.findUniqueOrThrow({ where: { id: 1 } });

    const revealed = await revealConnectionString({ purpose: 'reveal' });
    expect(revealed).toMatchObject({ ok: true, data: { connectionString: expect.stringMatching(new RegExp(`:${connectionToken}$`)) } });
    caller.ip = '10.20.0.8';
    expect(await revealConnectionString({ purpose: 'copy' })).toMatchObject({ ok: true });
    expect(await revealConnectionString({ purpose: 'copy' })).toMatchObject({ ok: true });

    const events = await disclosures();
    expect(events.map((e) => [e.action, e.actor, e.ip, e.outcome])).toEqual([
      ['connection-string.reveal', 'admin', '10.20.0.7', 'success'],
      ['connection-string.copy', 'admin', '10.20.0.8', 'success'],
      ['connection-string.copy', 'admin', '10.20.0.8', 'success'],
    ]);
    // Which token was disclosed is told by when it was issued, not by its value.
    expect(events[0]!.details).toEqual({ tokenIssuedAt: tokenRotatedAt.toISOString() });
    for (const event of events) expect(asText(event)).not.toContain(connectionToken);
  });

  it('names the new token after a regeneration', async () => {
    const regenerated = await regenerateConnectionString({ confirm: true });
    expect(regenerated).toMatchObject({ ok: true });
    const { connectionToken, tokenRotatedAt } = await db().appliance.findUniqueOrThrow({ where: { id: 1 } });
    await revealConnectionString({ purpose: 'reveal' });
    const last = (await disclosures()).at(-1)!;
    expect(last.details).toEqual({ tokenIssuedAt: tokenRotatedAt.toISOString() });
    expect(asText(last)).not.toContain(connectionToken);
  });

  it('refuses a call that does not say what it is for, without an audit event', async () => {
    const before = await db().auditEvent.count();
    expect(await revealConnectionString({} as never)).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: 'Say whether the string is revealed or copied.',
    });
    expect(await revealConnectionString({ purpose: 'print' } as never)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await db().auditEvent.count()).toBe(before);
  });

  it('a Security Analyst is refused and nothing is audited as a disclosure', async () => {
    const analyst = await db().user.findUniqueOrThrow({ where: { username: 'analyst' } });
    const admin = caller.session;
    caller.session = {
      user: { id: analyst.id, name: 'analyst', role: 'SECURITY_ANALYST' },
      lastActive: Date.now(),
      authTime: Date.now(),
      sessionVersion: 0,
    };
    const before = (await disclosures()).length;
    expect(await revealConnectionString({ purpose: 'reveal' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect((await disclosures()).length).toBe(before);
    caller.session = admin;
  });
});
