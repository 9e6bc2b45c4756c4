import { db } from '../db/client.ts';

// What System Settings → Users shows: no hashes, no counters beyond the lock.
export async function listUserSummaries() {
  return db().user.findMany({
    orderBy: { username: 'asc' },
    select: { id: true, username: true, role: true, lastSignInAt: true, lockedUntil: true, createdAt: true },
  });
}
export type UserSummary = Awaited<ReturnType<typeof listUserSummaries>>[number];
