import { recordAudit } from '../audit/mutations.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { vlanSchema, type VlanInput } from './schema.ts';

export type VlanResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: 'INVALID_VLAN' | 'VLAN_EXISTS' | 'UNKNOWN_VLAN'; message: string; fieldErrors?: Record<string, string> };

// Callers other than the actions (CLI, tests) get the same checks: nothing unparsed reaches the table.
function parse(input: VlanInput): { ok: true; vlan: VlanInput } | Extract<VlanResult, { ok: false }> {
  const parsed = vlanSchema.safeParse(input);
  if (parsed.success) return { ok: true, vlan: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, code: 'INVALID_VLAN', message: issue.message, fieldErrors: { [String(issue.path[0] ?? 'form')]: issue.message } };
}

function unknownVlan(id: number): Extract<VlanResult, { ok: false }> {
  return { ok: false, code: 'UNKNOWN_VLAN', message: `VLAN ${id} does not exist. It may have been deleted: reload the page.` };
}

export async function createVlan(input: VlanInput, actor: Actor): Promise<VlanResult> {
  const parsed = parse(input);
  if (!parsed.ok) return parsed;
  const { id, name } = parsed.vlan;
  return db().$transaction(async (tx) => {
    // ON CONFLICT DO NOTHING: two Admins adding the same ID at once get one success and one refusal.
    const inserted = await tx.vlan.createMany({ data: [{ id, name }], skipDuplicates: true });
    if (inserted.count === 0) {
      const existing = await tx.vlan.findUnique({ where: { id } });
      const message = `VLAN ${id} already exists (name "${existing?.name ?? '?'}"). Edit it instead, or choose another ID.`;
      return { ok: false as const, code: 'VLAN_EXISTS' as const, message, fieldErrors: { id: message } };
    }
    await appendJournal(tx, { entity: 'vlan', key: String(id), op: 'upsert', payload: { id, name } });
    await recordAudit(
      { actor: actor.username, ip: actor.ip, action: 'vlan.create', outcome: 'success', target: String(id), details: { name } },
      tx,
    );
    return { ok: true as const, changed: true };
  });
}

export async function renameVlan(input: VlanInput, actor: Actor): Promise<VlanResult> {
  const parsed = parse(input);
  if (!parsed.ok) return parsed;
  const { id, name } = parsed.vlan;
  return db().$transaction(async (tx) => {
    const [existing] = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM "vlan" WHERE id = ${id} FOR UPDATE`;
    if (!existing) return unknownVlan(id);
    if (existing.name === name) return { ok: true as const, changed: false };
    await tx.vlan.update({ where: { id }, data: { name } });
    await appendJournal(tx, { entity: 'vlan', key: String(id), op: 'upsert', payload: { id, name } });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'vlan.update',
        outcome: 'success',
        target: String(id),
        details: { from: existing.name, to: name },
      },
      tx,
    );
    return { ok: true as const, changed: true };
  });
}

export async function deleteVlan(id: number, actor: Actor): Promise<VlanResult> {
  return db().$transaction(async (tx) => {
    const [deleted] = await tx.$queryRaw<{ name: string }[]>`DELETE FROM "vlan" WHERE id = ${id} RETURNING name`;
    if (!deleted) return unknownVlan(id);
    await appendJournal(tx, { entity: 'vlan', key: String(id), op: 'delete', payload: { id, name: deleted.name } });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'vlan.delete',
        outcome: 'success',
        target: String(id),
        details: { name: deleted.name },
      },
      tx,
    );
    return { ok: true as const, changed: true };
  });
}
