import { recordAudit } from '../audit/mutations.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { SETTINGS, type SettingKey, type SettingValue } from './schema.ts';

export type SettingResult = { ok: true } | { ok: false; code: 'INVALID_VALUE'; message: string };

export async function setSetting<K extends SettingKey>(key: K, value: SettingValue<K>, actor: Actor): Promise<SettingResult> {
  const parsed = SETTINGS[key].schema.safeParse(value);
  if (!parsed.success) return { ok: false, code: 'INVALID_VALUE', message: `${key}: ${parsed.error.issues[0]?.message}` };
  await db().$transaction(async (tx) => {
    const previous = await tx.setting.findUnique({ where: { key } });
    const appliance = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { term: true } });
    await tx.setting.upsert({
      where: { key },
      create: { key, value: parsed.data, term: appliance.term },
      update: { value: parsed.data, term: appliance.term },
    });
    await appendJournal(tx, { entity: 'setting', key, op: 'upsert', payload: { value: parsed.data } });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'setting.change',
        outcome: 'success',
        target: key,
        details: { from: previous?.value ?? null, to: parsed.data },
      },
      tx,
    );
  });
  return { ok: true };
}
