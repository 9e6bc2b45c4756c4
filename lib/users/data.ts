import { db } from '../db/client.ts';

export async function getUserById(id: string) {
  return db().user.findUnique({ where: { id } });
}

export async function getUserByUsername(username: string) {
  return db().user.findUnique({ where: { username } });
}

export async function listUsers() {
  return db().user.findMany({ orderBy: { username: 'asc' } });
}

export async function countUsers(): Promise<number> {
  return db().user.count();
}

// What System Settings → Users shows: no hashes, no counters beyond the lock.
export async function listUserSummaries() {
  return db().user.findMany({
    orderBy: { username: 'asc' },
    select: { id: true, username: true, role: true, lastSignInAt: true, lockedUntil: true, createdAt: true },
  });
}
export type UserSummary = Awaited<ReturnType<typeof listUserSummaries>>[number];
