import type { Tx } from '../db/client.ts';
import type { JournalEntry } from './schema.ts';

// Appends one replication record inside the caller's transaction, so the write and its journal row
// commit or roll back together. The row carries the appliance's current term and identity.
export async function appendJournal(tx: Tx, entry: JournalEntry): Promise<bigint> {
  const appliance = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { term: true, applianceId: true } });
  const row = await tx.journal.create({
    data: {
      term: appliance.term,
      origin: appliance.applianceId,
      entity: entry.entity,
      key: entry.key,
      op: entry.op,
      payload: JSON.parse(JSON.stringify(entry.payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))),
    },
    select: { seq: true },
  });
  return row.seq;
}
