import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { appliancePaths } from '../appliance/paths.ts';
import { backupStatusByFileName } from './data.ts';
import { BACKUP_FILE_PATTERN } from './file-name.ts';

// The newest backup archive in the backups directory that is not known to be unfinished or failed.
// Files copied in from elsewhere (no row in this database) count: that is how a replacement console
// is restored from another's backup.
export async function newestBackupFile(dir = appliancePaths().backups): Promise<string | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const status = await backupStatusByFileName();
  const candidates = names.filter((n) => BACKUP_FILE_PATTERN.test(n) && (status.get(n) ?? 'ready') === 'ready');
  // File names start with a UTC timestamp: name order is time order.
  const newest = candidates.sort().at(-1);
  return newest ? path.join(dir, newest) : null;
}
