import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

// One backup at a time per appliance, across the console process and the CLI: a lock file in the
// backups directory holding the pid of the process making a backup. A lock whose process is gone
// (killed, crashed) is stale and taken over.

export const LOCK_FILE = '.backup.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export type BackupLock = { ok: true; release: () => Promise<void> } | { ok: false; pid: number; file: string };

export async function acquireBackupLock(dir: string): Promise<BackupLock> {
  const file = path.join(/*turbopackIgnore: true*/ dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return { ok: true, release: () => unlink(file).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = await holder(file);
    if (attempt > 0 || (pid !== null && (pid === process.pid || alive(pid)))) return { ok: false, pid: pid ?? 0, file };
    await unlink(file).catch(() => undefined);
  }
}
