import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { appliancePaths } from '../appliance/paths.ts';
import { recordAudit } from '../audit/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { getBackup } from './data.ts';

export type BackupDownload =
  | { ok: true; fileName: string; sizeBytes: number; sha256: string | null; stream: ReadStream }
  | { ok: false; code: 'NOT_FOUND' | 'NOT_READY'; message: string };

// Opens a ready backup's archive for download and records who took a copy of the appliance's data.
export async function openBackupDownload(id: string, actor: Actor): Promise<BackupDownload> {
  const row = await getBackup(id);
  if (!row)
    return {
      ok: false,
      code: 'NOT_FOUND',
      message: 'There is no such backup. It may have been removed by the retention rule; reload the Backups page.',
    };
  if (row.status !== 'ready') {
    return {
      ok: false,
      code: 'NOT_READY',
      message:
        row.status === 'running'
          ? 'This backup is still being made. Download it when it is ready.'
          : 'This backup failed and has no file to download.',
    };
  }
  const file = path.join(/*turbopackIgnore: true*/ appliancePaths().backups, row.fileName);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile())
    return { ok: false, code: 'NOT_FOUND', message: `The archive ${row.fileName} is no longer in the backups directory.` };
  await recordAudit({
    actor: actor.username,
    ip: actor.ip,
    action: 'backup.download',
    outcome: 'success',
    target: row.fileName,
    details: { id: row.id, sha256: row.sha256 },
  });
  return { ok: true, fileName: row.fileName, sizeBytes: info.size, sha256: row.sha256, stream: createReadStream(file) };
}
