import type { Tx } from '../db/client.ts';
import type { JournalEntry } from './schema.ts';

// Held from a row's append until its transaction ends. Without it, seq (a sequence) would not be commit
// order: a transaction could take seq 100, another take 101 and commit first, and a replication pump
// that had sent up to 101 would never see 100. With it, once a seq is visible every lower one is
// committed or rolled back, so "every row above the last one sent" is exactly what is left to send.
// Appends come last in their transactions, so the lock is held for little more than the commit.
export const JOURNAL_APPEND_LOCK = 0x6f74636a; // 'otcj'

// Appends one replication record inside the caller's transaction, so the write and its journal row
// commit or roll back together. The row carries the appliance's current term and identity.
export async function appendJournal(tx: Tx, entry: JournalEntry): Promise<bigint> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${JOURNAL_APPEND_LOCK}::bigint)`;
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
