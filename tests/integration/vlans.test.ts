import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { db } from '../../lib/db/client.ts';
import { addVlan, editVlan, removeVlan } from '../../lib/networking/actions.ts';
import { listVlans } from '../../lib/networking/data.ts';
import { createVlan, deleteVlan, renameVlan } from '../../lib/networking/mutations.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// The caller the guard sees; everything else is real.
const caller = vi.hoisted(() => ({ session: null as ConsoleSession | null }));
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => caller.session }));

let appliance: ApplianceDb;

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  await as('admin');
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

async function snapshot() {
  const [vlans, journal, audit] = await Promise.all([
    db().vlan.findMany({ orderBy: { id: 'asc' } }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
  ]);
  return JSON.stringify({ vlans, journal, audit });
}

async function expectRefused(call: () => Promise<unknown>, expected: { code: string; message: string; field?: string }) {
  const before = await snapshot();
  const result = (await call()) as { ok: boolean; code: string; message: string; fieldErrors?: Record<string, string> };
  expect(result).toMatchObject({ ok: false, code: expected.code, message: expected.message });
  if (expected.field) expect(result.fieldErrors?.[expected.field]).toBe(expected.message);
  expect(await snapshot(), `${expected.code} changed something`).toBe(before);
}

const counts = async () => ({
  journal: await db().journal.count({ where: { entity: { not: 'audit' } } }),
  audit: await db().auditEvent.count(),
});
const lastJournal = async () =>
  (await db().journal.findMany({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' }, take: 1 }))[0]!;
const lastAudit = async () => (await db().auditEvent.findMany({ orderBy: { id: 'desc' }, take: 1 }))[0]!;

describe('adding VLANs', () => {
  it('adds a VLAN (name trimmed, ID from form text): one journal row and one audit event', async () => {
    const before = await counts();
    expect(await addVlan({ id: '12', name: '  Production  ' })).toEqual({ ok: true, changed: true });
    expect(await listVlans()).toMatchObject([{ id: 12, name: 'Production' }]);
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect(await lastJournal()).toMatchObject({ entity: 'vlan', key: '12', op: 'upsert', payload: { id: 12, name: 'Production' } });
    expect(await lastAudit()).toMatchObject({
      action: 'vlan.create',
      actor: 'admin',
      target: '12',
      outcome: 'success',
      details: { name: 'Production' },
    });
    expect(await addVlan({ id: 1, name: 'Management' })).toMatchObject({ ok: true });
    expect(await addVlan({ id: 4094, name: 'x'.repeat(64) })).toMatchObject({ ok: true });
    expect((await listVlans()).map((v) => v.id)).toEqual([1, 12, 4094]);
  });

  it('refuses a duplicate ID with the existing name, and changes nothing', async () => {
    await expectRefused(() => addVlan({ id: 12, name: 'Other' }), {
      code: 'VLAN_EXISTS',
      message: 'VLAN 12 already exists (name "Production"). Edit it instead, or choose another ID.',
      field: 'id',
    });
  });

  it('refuses out-of-range or malformed IDs and bad names, and changes nothing', async () => {
    const idMessage = 'Enter a VLAN ID: a whole number from 1 to 4094.';
    for (const id of [0, 4095, -3, 12.5, '12.5', 'abc', '', '0x10']) {
      await expectRefused(() => addVlan({ id, name: 'Cell' }), { code: 'INVALID_INPUT', message: idMessage, field: 'id' });
    }
    await expectRefused(() => addVlan({ id: 20, name: '   ' }), {
      code: 'INVALID_INPUT',
      message: 'Enter a name for the VLAN.',
      field: 'name',
    });
    await expectRefused(() => addVlan({ id: 20, name: 'x'.repeat(65) }), {
      code: 'INVALID_INPUT',
      message: 'A VLAN name can be at most 64 characters.',
      field: 'name',
    });
    await expectRefused(() => addVlan({ id: 20, name: 'tab\there' }), {
      code: 'INVALID_INPUT',
      message: 'A VLAN name cannot contain control characters.',
      field: 'name',
    });
    await expectRefused(() => addVlan({ id: 20, name: 'ok', extra: true } as never), {
      code: 'INVALID_INPUT',
      message: expect.any(String) as never,
    });
    // Callers that bypass the action (CLI, other lib code) get the same checks.
    await expectRefused(() => createVlan({ id: 5000, name: 'Cell' }, { username: 'cli:root' }), {
      code: 'INVALID_VLAN',
      message: idMessage,
      field: 'id',
    });
  });

  it('two Admins adding the same ID at the same moment: one succeeds, the other is told it exists', async () => {
    const before = await counts();
    const results = await Promise.all([
      createVlan({ id: 300, name: 'First' }, { username: 'admin' }),
      createVlan({ id: 300, name: 'Second' }, { username: 'admin' }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({
      code: 'VLAN_EXISTS',
      message: expect.stringMatching(/^VLAN 300 already exists \(name "(First|Second)"\)/),
    });
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
  });

  it('is Admin-only', async () => {
    await as('analyst');
    await expectRefused(() => addVlan({ id: 30, name: 'Cell' }), { code: 'FORBIDDEN', message: 'This needs the Admin role.' });
    await as('admin');
  });
});

describe('renaming VLANs', () => {
  it('renames: journal upsert with the new name, audit with from/to', async () => {
    const before = await counts();
    expect(await editVlan({ id: 12, name: 'Production line 2' })).toEqual({ ok: true, changed: true });
    expect((await db().vlan.findUniqueOrThrow({ where: { id: 12 } })).name).toBe('Production line 2');
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect(await lastJournal()).toMatchObject({ entity: 'vlan', key: '12', op: 'upsert', payload: { id: 12, name: 'Production line 2' } });
    expect(await lastAudit()).toMatchObject({
      action: 'vlan.update',
      target: '12',
      details: { from: 'Production', to: 'Production line 2' },
    });
  });

  it('saving the same name is a no-op: nothing journaled or audited', async () => {
    const before = await snapshot();
    expect(await editVlan({ id: 12, name: ' Production line 2 ' })).toEqual({ ok: true, changed: false });
    expect(await snapshot()).toBe(before);
  });

  it('refuses an unknown VLAN and bad names, and changes nothing', async () => {
    await expectRefused(() => editVlan({ id: 13, name: 'Ghost' }), {
      code: 'UNKNOWN_VLAN',
      message: 'VLAN 13 does not exist. It may have been deleted: reload the page.',
    });
    await expectRefused(() => editVlan({ id: 12, name: '' }), {
      code: 'INVALID_INPUT',
      message: 'Enter a name for the VLAN.',
      field: 'name',
    });
    await expectRefused(() => editVlan({ id: 0, name: 'x' }), {
      code: 'INVALID_INPUT',
      message: 'Enter a VLAN ID: a whole number from 1 to 4094.',
      field: 'id',
    });
    await expectRefused(() => renameVlan({ id: 12, name: 'y'.repeat(65) }, { username: 'cli:root' }), {
      code: 'INVALID_VLAN',
      message: 'A VLAN name can be at most 64 characters.',
      field: 'name',
    });
  });
});

describe('deleting VLANs', () => {
  it('deletes: journal op delete, audit vlan.delete with the name', async () => {
    const before = await counts();
    expect(await removeVlan({ id: 12 })).toEqual({ ok: true, changed: true });
    expect(await db().vlan.findUnique({ where: { id: 12 } })).toBeNull();
    expect(await counts()).toEqual({ journal: before.journal + 1, audit: before.audit + 1 });
    expect(await lastJournal()).toMatchObject({ entity: 'vlan', key: '12', op: 'delete', payload: { id: 12, name: 'Production line 2' } });
    expect(await lastAudit()).toMatchObject({
      action: 'vlan.delete',
      actor: 'admin',
      target: '12',
      details: { name: 'Production line 2' },
    });
    // The ID is free again.
    expect(await addVlan({ id: 12, name: 'Reused' })).toMatchObject({ ok: true });
  });

  it('refuses an unknown or invalid ID and changes nothing', async () => {
    await expectRefused(() => removeVlan({ id: 99 }), {
      code: 'UNKNOWN_VLAN',
      message: 'VLAN 99 does not exist. It may have been deleted: reload the page.',
    });
    await expectRefused(() => removeVlan({ id: 'all' } as never), {
      code: 'INVALID_INPUT',
      message: 'Enter a VLAN ID: a whole number from 1 to 4094.',
    });
    await expectRefused(() => deleteVlan(99, { username: 'cli:root' }), {
      code: 'UNKNOWN_VLAN',
      message: 'VLAN 99 does not exist. It may have been deleted: reload the page.',
    });
  });
});
