import type { Tx } from '../db/client.ts';
import type { JournalEntry } from './schema.ts';
import { writeLease } from '../runtime/write-lease.ts';

// Held from a row's append until its transaction ends. Without it, seq (a sequence) would not be commit
// order: a transaction could take seq 100, another take 101 and commit first, and a replication pump
// that had sent up to 101 would never see 100. With it, once a seq is visible every lower one is
// committed or rolled back, so "every row above the last one sent" is exactly what is left to send.
// Appends come last in their transactions, so the lock is held for little more than the commit.
export const JOURNAL_APPEND_LOCK = 0x6f74636a; // 'otcj'

const WRITABLE_WHEN_NOT_ACTIVE: ReadonlySet<JournalEntry['entity']> = new Set([
  'sensor-event',
  'audit',
  'backup',
  'log-export',
  'certificate',
]);

export class NotActiveError extends Error {}

// Appends one replication record inside the caller's transaction, so the write and its journal row
// commit or roll back together. The row carries the appliance's current term and identity. One statement
// (the journal_append function, prisma/migrations/20261203180000_journal_append) takes the lock, reads the
// appliance and inserts: with a statement each, every round trip to a busy console while holding the lock
// held up every other writer, and under a thousand sensors' events the lock, not PostgreSQL, set the rate.
export async function appendJournal(tx: Tx, entry: JournalEntry): Promise<bigint> {
  const payload = JSON.stringify(entry.payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  const [row] = await tx.$queryRaw<{ seq: bigint; state: string }[]>`
    SELECT seq, state FROM journal_append(${JOURNAL_APPEND_LOCK}::bigint, ${entry.entity}, ${entry.key}, ${entry.op}, ${payload}::jsonb)`;
  // The backstop behind every action's read-only check (lib/ha/write-refusal.ts), read in the writing
  // transaction: a console that is not active changes nothing its peer would have to take from it, except
  // what it records itself (sensor events it receives, its audit trail, files on its own disk). Throwing
  // rolls the row back with the rest of the transaction.
  if (row!.state !== 'ACTIVE' && !WRITABLE_WHEN_NOT_ACTIVE.has(entry.entity))
    throw new NotActiveError(`This console is ${row!.state.toLowerCase()}: ${entry.entity} changes are made on the active console.`);
  // And an active console of a pair only while it holds the lease (lib/runtime/write-lease.ts), checked
  // once the row is in: as late before the commit as this transaction can.
  if (!WRITABLE_WHEN_NOT_ACTIVE.has(entry.entity)) {
    const lease = writeLease();
    if (!lease.ok) throw new NotActiveError(lease.message);
  }
  return row!.seq;
}
