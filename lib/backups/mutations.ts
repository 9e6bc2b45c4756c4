import { recordAudit } from '../audit/mutations.ts';
import type { AuditInput } from '../audit/schema.ts';
import { db, type Tx } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import type { BackupKind } from './schema.ts';
import { insertRowsSql, resetSequenceSql, truncateSql, type TableInfo } from './tables.ts';

type BackupRow = Awaited<ReturnType<Tx['backup']['create']>>;

// What a paired console learns about a backup: its metadata, never its contents.
function journalPayload(row: BackupRow) {
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    kind: row.kind,
    status: row.status,
    fileName: row.fileName,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    recipient: row.recipient,
    softwareVersion: row.softwareVersion,
    lastMigration: row.lastMigration,
    error: row.error,
  };
}

export async function insertBackupRow(input: {
  kind: BackupKind;
  actor: Actor;
  fileName: string;
  createdAt: Date;
  recipient: string;
  softwareVersion: string;
  lastMigration: string;
}) {
  return db().$transaction(async (tx) => {
    const row = await tx.backup.create({
      data: {
        kind: input.kind,
        createdAt: input.createdAt,
        createdBy: input.actor.username,
        status: 'running',
        progress: 0,
        fileName: input.fileName,
        recipient: input.recipient,
        softwareVersion: input.softwareVersion,
        lastMigration: input.lastMigration,
      },
    });
    await appendJournal(tx, { entity: 'backup', key: row.id, op: 'upsert', payload: journalPayload(row) });
    await recordAudit(
      {
        actor: input.actor.username,
        ip: input.actor.ip,
        action: 'backup.create',
        outcome: 'success',
        target: row.fileName,
        details: { id: row.id, kind: row.kind },
      },
      tx,
    );
    return row;
  });
}

// Progress is transient: not journaled (the final status is).
export async function setBackupProgress(id: string, progress: number): Promise<void> {
  await db().backup.update({ where: { id }, data: { progress } });
}

export type BackupFinish = { status: 'ready'; sizeBytes: number; sha256: string } | { status: 'failed'; error: string };

export async function finishBackup(id: string, finish: BackupFinish): Promise<void> {
  await db().$transaction(async (tx) => {
    const row = await tx.backup.update({
      where: { id },
      data:
        finish.status === 'ready'
          ? { status: 'ready', progress: 100, sizeBytes: BigInt(finish.sizeBytes), sha256: finish.sha256, error: null }
          : { status: 'failed', error: finish.error },
    });
    await appendJournal(tx, { entity: 'backup', key: row.id, op: 'upsert', payload: journalPayload(row) });
  });
}

// Rows left 'running' by a process that stopped before finishing them. The caller holds the backup
// lock, so no live process is still writing any of them.
export async function failInterruptedBackups(reason: string): Promise<{ id: string; fileName: string }[]> {
  return db().$transaction(async (tx) => {
    const rows = await tx.backup.findMany({ where: { status: 'running' } });
    for (const row of rows) {
      const failed = await tx.backup.update({ where: { id: row.id }, data: { status: 'failed', error: reason } });
      await appendJournal(tx, { entity: 'backup', key: row.id, op: 'upsert', payload: journalPayload(failed) });
    }
    return rows.map((r) => ({ id: r.id, fileName: r.fileName }));
  });
}

export async function deleteBackupRows(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db().$transaction(async (tx) => {
    for (const id of ids) {
      await tx.backup.delete({ where: { id } });
      await appendJournal(tx, { entity: 'backup', key: id, op: 'delete', payload: { id } });
    }
  });
}

const RESTORE_TIMEOUT_MS = 2 * 60 * 60_000;

export type RestorePlan = {
  tables: TableInfo[];
  // The archived rows in restore order (parents before children), a batch of JSON lines at a time.
  batches: AsyncIterable<{ table: TableInfo; lines: string[] }>;
  expectedRows: Record<string, number>;
  audit: AuditInput;
};

// Replaces the contents of the snapshotted tables with the archived rows, in ONE transaction: a
// failure anywhere (a row that does not fit, a file that changed since it was verified) rolls back
// to the data as it was. Other sessions wait on the table locks meanwhile and then see the result.
//
// The journal is restored as it was archived, not rewritten: it is the history that produced exactly
// the rows restored beside it, with the sequence numbers a paired console has acknowledged. Appending
// a row per restored record would claim those changes happened now; clearing it would lose the history.
// New writes continue after the highest restored seq. (A paired console must be re-synchronised with
// a full snapshot after a restore.) For the same reason the restore itself adds no journal row, only
// the audit event below, which lands after the restored audit trail.
export async function replaceSnapshotTables(plan: RestorePlan): Promise<Record<string, number>> {
  return db().$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(truncateSql(plan.tables));
      const counts: Record<string, number> = Object.fromEntries(plan.tables.map((t) => [t.name, 0]));
      for await (const { table, lines } of plan.batches) {
        await tx.$executeRawUnsafe(insertRowsSql(table), `[${lines.join(',')}]`);
        counts[table.name] = (counts[table.name] ?? 0) + lines.length;
      }
      for (const table of plan.tables) {
        if (counts[table.name] !== plan.expectedRows[table.name]) {
          throw new Error(`${table.name}: restored ${counts[table.name]} rows, the manifest lists ${plan.expectedRows[table.name]}`);
        }
        for (const column of table.columns.filter((c) => c.sequence)) await tx.$queryRawUnsafe(resetSequenceSql(table, column));
      }
      // The archived session versions predate every password reset and role change made since the backup:
      // restored as they were, they would bring back sessions those changes ended. A fresh random version
      // per user matches no session signed before the restore; everyone signs in again.
      await tx.$executeRawUnsafe(`UPDATE "user" SET session_version = floor(random() * 2147483647)::int`);
      await recordAudit(plan.audit, tx);
      return counts;
    },
    { timeout: RESTORE_TIMEOUT_MS, maxWait: 10_000 },
  );
}
