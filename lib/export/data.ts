import { db } from '../db/client.ts';
import { LOG_CATEGORIES, type LogCategory } from '../logs/categories.ts';
import { INTERRUPTED_MESSAGE, liveExports } from './registry.ts';
import { EXPORTS_KEPT, exportDownloadName, type LogExportStatus } from './schema.ts';

export type LogExportView = {
  id: string;
  createdAt: Date;
  createdBy: string;
  categories: LogCategory[];
  status: LogExportStatus;
  progress: number;
  sizeBytes: number | null;
  error: string | null;
  downloadName: string;
};

type Row = {
  id: string;
  createdAt: Date;
  createdBy: string;
  categories: string[];
  status: string;
  progress: number;
  sizeBytes: bigint | null;
  error: string | null;
};

function toView(row: Row): LogExportView {
  // A row still running that no job of this process is writing was cut short by a restart; the next
  // export closes it for good (mutations.ts), until then it is shown as what it is.
  const interrupted = row.status === 'running' && !liveExports().has(row.id);
  return {
    id: row.id,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    categories: LOG_CATEGORIES.filter((c) => row.categories.includes(c)),
    status: interrupted ? 'failed' : (row.status as LogExportStatus),
    progress: row.progress,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    error: interrupted ? INTERRUPTED_MESSAGE : row.error,
    downloadName: exportDownloadName(row.createdAt),
  };
}

// Newest first: the exports System Settings → Export lists.
export async function listExports(): Promise<LogExportView[]> {
  const rows = await db().logExport.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: EXPORTS_KEPT });
  return rows.map(toView);
}

export async function getExport(id: string): Promise<(LogExportView & { fileName: string }) | null> {
  const row = await db().logExport.findUnique({ where: { id } });
  return row ? { ...toView(row), fileName: row.fileName } : null;
}

// Archive file names that belong to an export row; anything else in the exports directory is a leftover.
export async function listExportFileNames(): Promise<Set<string>> {
  const rows = await db().logExport.findMany({ select: { fileName: true } });
  return new Set(rows.map((r) => r.fileName));
}
