import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../lib/runtime/process-alive.ts';

// Replaces `file` with `text` so that a crash leaves either the old or the new content, never a mix:
// write a temporary file, fsync it, rename it over, fsync the directory.
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export async function readJsonIfPresent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON. Fix or remove it.`);
  }
}

export class DirectoryInUseError extends Error {}

// One agent process per sensor directory: two would interleave writes to the same outbox. A lock left by a
// process that no longer runs (killed) is taken over.
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'agent.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return async () => unlink(file).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DirectoryInUseError(
          `Another ot-sensor (pid ${pid}) is running with ${dir}. Stop it first, or use another --data-dir or --name.`,
        );
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new DirectoryInUseError(`Could not lock ${dir}: another ot-sensor keeps taking it.`);
}
