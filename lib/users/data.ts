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
