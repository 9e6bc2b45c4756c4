import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { appliancePaths } from '../appliance/paths.ts';
import type { Actor } from '../audit/actor.ts';
import { getExport } from './data.ts';
import { recordLogExportDownload } from './mutations.ts';
import { EXPORTS_KEPT } from './schema.ts';

export type ExportDownload =
  | { ok: true; body: ReadableStream<Uint8Array>; sizeBytes: number; downloadName: string }
  | { ok: false; code: 'NOT_FOUND' | 'NOT_READY'; message: string };

// Opens a ready archive for download and records who took it. The file is opened before anything is
// promised, and the open descriptor keeps reading even if retention deletes the file meanwhile.
export async function openExportDownload(id: string, actor: Actor): Promise<ExportDownload> {
  const row = await getExport(id);
  if (!row) {
    return {
      ok: false,
      code: 'NOT_FOUND',
      message: `There is no such export. Only the last ${EXPORTS_KEPT} are kept: export the logs again.`,
    };
  }
  if (row.status === 'running')
    return {
      ok: false,
      code: 'NOT_READY',
      message: `This export is still being written (${row.progress}%). Download it once it is ready.`,
    };
  if (row.status !== 'ready')
    return { ok: false, code: 'NOT_READY', message: `This export failed and has no archive: ${row.error ?? 'unknown error'}` };
  let handle: FileHandle;
  try {
    handle = await open(path.join(appliancePaths().exports, row.fileName), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return {
      ok: false,
      code: 'NOT_FOUND',
      message: "This export's archive is missing from the appliance's exports directory. Export the logs again.",
    };
  }
  const { size } = await handle.stat();
  await recordLogExportDownload(id, actor);
  return {
    ok: true,
    body: Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>,
    sizeBytes: size,
    downloadName: row.downloadName,
  };
}
