import type { Actor } from '../audit/actor.ts';
import { getSetting } from './data.ts';
import { setSetting, type SettingResult } from './mutations.ts';
import { SETTINGS, type SettingKey, type SettingValue } from './schema.ts';

export type SettingsEntries = { [K in SettingKey]?: SettingValue<K> };
export type SaveSettingsResult =
  { ok: true; changed: SettingKey[] } | (Extract<SettingResult, { ok: false }> & { fieldErrors?: Record<string, string> });

// Saves only the keys whose value differs from the stored one, so pressing Save on an unchanged form
// adds nothing to the journal or the audit trail. Every value is checked before the first write, so a
// form with one bad value changes nothing.
export async function saveChangedSettings(entries: SettingsEntries, actor: Actor): Promise<SaveSettingsResult> {
  const keys = Object.keys(entries) as SettingKey[];
  const values = new Map<SettingKey, unknown>();
  for (const key of keys) {
    const parsed = SETTINGS[key].schema.safeParse(entries[key]);
    if (!parsed.success) return { ok: false, code: 'INVALID_VALUE', message: `${key}: ${parsed.error.issues[0]?.message}` };
    values.set(key, parsed.data);
  }
  const current = await Promise.all(keys.map((key) => getSetting(key)));
  const changed = keys.filter((key, i) => JSON.stringify(values.get(key)) !== JSON.stringify(current[i]));
  for (const key of changed) {
    const result = await setSetting(key, values.get(key) as SettingValue<typeof key>, actor);
    if (!result.ok) return result;
  }
  return { ok: true, changed };
}
