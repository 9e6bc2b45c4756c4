import { db } from '../db/client.ts';

export async function listJournalSince(afterSeq: bigint, limit = 500) {
  return db().journal.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
}
