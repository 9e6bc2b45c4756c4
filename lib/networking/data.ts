import { db } from '../db/client.ts';

export async function listVlans() {
  return db().vlan.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, updatedAt: true } });
}
export type VlanRow = Awaited<ReturnType<typeof listVlans>>[number];
