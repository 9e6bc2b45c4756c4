import { db } from '../db/client.ts';

// The only read that returns a password hash.
export async function findUserForSignIn(username: string) {
  return db().user.findUnique({ where: { username }, omit: { passwordHash: false } });
}

// What the guard checks on every request: the account still exists, its role now, and whether its
// sessions have been ended since this one began.
export async function findSessionAccount(id: string) {
  return db().user.findUnique({ where: { id }, select: { id: true, username: true, role: true, sessionVersion: true } });
}
