import { db } from '../db/client.ts';

// The only read that returns a password hash.
export async function findUserForSignIn(username: string) {
  return db().user.findUnique({ where: { username }, omit: { passwordHash: false } });
}
