import { getSetting } from '../settings/data.ts';

// The IANA zone names offered in System Settings → Time: exactly the ones timezoneSchema accepts.
export function listTimezones(): string[] {
  return [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].sort();
}

export async function loadTimeSettings() {
  const [ntpServer, timezone] = await Promise.all([getSetting('time.ntpServer'), getSetting('time.timezone')]);
  return { ntpServer, timezone, now: Date.now() };
}
