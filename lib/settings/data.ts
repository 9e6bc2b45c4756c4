import { db } from '../db/client.ts';
import { SETTINGS, type SettingKey, type SettingValue } from './schema.ts';

export async function getSetting<K extends SettingKey>(key: K): Promise<SettingValue<K>> {
  const row = await db().setting.findUnique({ where: { key } });
  const def = SETTINGS[key];
  const parsed = def.schema.safeParse(row?.value);
  return (parsed.success ? parsed.data : def.default) as SettingValue<K>;
}
