import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/mutations.ts';
import { db, type Tx } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import type { LogCategory } from '../logs/categories.ts';
import { INTERRUPTED_MESSAGE } from './registry.ts';
import { EXPORTS_KEPT, type LogExportStatus } from './schema.ts';

type Row = {
  id: string;
  createdAt: Date;
  createdBy: string;
  categories: string[];
  status: string;
  sizeBytes: bigint | null;
  error: string | null;
};

// Metadata only: the archive stays on this appliance and its password is never stored anywhere.
async function journalExport(tx: Tx, row: Row): Promise<void> {
  const { id, createdAt, createdBy, categories, status, sizeBytes, error } = row;
  await appendJournal(tx, {
    entity: 'log-export',
    key: id,
    op: 'upsert',
    payload: { id, createdAt: createdAt.toISOString(), createdBy, categories, status, sizeBytes, error },
  });
}

// Records a new export as running, in one transaction with its journal row and audit event. Rows left
// running by a job this process no longer has (a restart mid-export) are closed as failed first.
export async function createLogExport(categories: readonly LogCategory[], actor: Actor, isLive: (id: string) => boolean): Promise<string> {
  const id = randomUUID();
  await db().$transaction(async (tx) => {
    const running = await tx.logExport.findMany({ where: { status: 'running' }, select: { id: true } });
    for (const orphan of running.filter((r) => !isLive(r.id))) {
      await journalExport(
        tx,
        await tx.logExport.update({ where: { id: orphan.id }, data: { status: 'failed', error: INTERRUPTED_MESSAGE } }),
      );
    }
    const row = await tx.logExport.create({
      data: { id, createdBy: actor.username, categories: [...categories], status: 'running', progress: 0, fileName: `${id}.zip` },
    });
    await journalExport(tx, row);
    await recordAudit(
      { actor: actor.username, ip: actor.ip, action: 'logs.export', outcome: 'success', target: id, details: { categories } },
      tx,
    );
  });
  return id;
}

// Progress is not journaled: it is only meaningful on the console writing the archive.
export async function updateLogExportProgress(id: string, progress: number): Promise<void> {
  await db().logExport.updateMany({ where: { id, status: 'running' }, data: { progress } });
}

// Closes an export as ready or failed and applies retention in the same transaction. Returns the archive
// file names of the rows removed, for the caller to delete from the exports directory.
export async function finishLogExport(
  id: string,
  outcome: { status: Exclude<LogExportStatus, 'running'>; sizeBytes?: number; error?: string },
): Promise<string[]> {
  return db().$transaction(async (tx) => {
    const row = await tx.logExport.update({
      where: { id },
      data: {
        status: outcome.status,
        progress: outcome.status === 'ready' ? 100 : undefined,
        sizeBytes: outcome.sizeBytes === undefined ? null : BigInt(outcome.sizeBytes),
        error: outcome.error ?? null,
      },
    });
    await journalExport(tx, row);
    const older = await tx.logExport.findMany({
      where: { status: { not: 'running' } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: EXPORTS_KEPT,
      select: { id: true, fileName: true },
    });
    if (older.length > 0) await tx.logExport.deleteMany({ where: { id: { in: older.map((r) => r.id) } } });
    for (const removed of older)
      await appendJournal(tx, {
        entity: 'log-export',
        key: removed.id,
        op: 'delete',
        payload: { id: removed.id, reason: `only the last ${EXPORTS_KEPT} exports are kept` },
      });
    return older.map((r) => r.fileName);
  });
}

export async function recordLogExportDownload(id: string, actor: Actor): Promise<void> {
  await recordAudit({ actor: actor.username, ip: actor.ip, action: 'logs.export-download', outcome: 'success', target: id });
}
