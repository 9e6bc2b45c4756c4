import { getSetting } from '../settings/data.ts';
import { formatZonedTime } from '../time/format.ts';
import { listUserSummaries } from './data.ts';

function shown(at: Date, timeZone: string): string {
  const t = formatZonedTime(at, timeZone);
  return `${t.date} ${t.time.slice(0, 5)} (${t.timeZone})`;
}

// System Settings → Users: times in the console's time zone (System Settings → Time); a lock that has
// already expired is not a lock.
export async function loadUsersView(now = new Date()) {
  const [users, timeZone] = await Promise.all([listUserSummaries(), getSetting('time.timezone')]);
  return users.map((u) => ({
    username: u.username,
    role: u.role,
    lastSignIn: u.lastSignInAt ? shown(u.lastSignInAt, timeZone) : null,
    lockedUntil: u.lockedUntil && u.lockedUntil > now ? shown(u.lockedUntil, timeZone) : null,
  }));
}
