import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { LogCategory } from '../logs/categories.ts';
import { ZipAesWriter } from './zip-writer.ts';

export type LogFile = { category: LogCategory; name: string; generation: number };

// <category>.log and its rotated generations <category>.1.log … (lib/logs/rotating-file.ts), live file
// first, then older and older: the order in which a support engineer reads back in time.
export async function findLogFiles(dir: string, categories: readonly LogCategory[]): Promise<LogFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return categories.flatMap((category) =>
    names
      .flatMap((name) => {
        const match = /^(.+?)(?:\.(\d+))?\.log$/.exec(name);
        return match && match[1] === category ? [{ category, name, generation: Number(match[2] ?? 0) }] : [];
      })
      .sort((a, b) => a.generation - b.generation),
  );
}

export type ManifestFile = { path: string; category: LogCategory; sizeBytes: number; modifiedAt: string };

export type ArchiveInfo = { consoleDomain: string; softwareVersion: string; createdAt: Date; categories: readonly LogCategory[] };

type OpenFile = LogFile & { handle: FileHandle; size: number; modified: Date };

// Writes the encrypted archive to `target` (created 0600, never overwritten): manifest.json, then
// <category>/<file name> for each log file. Every file is opened and measured first, and exactly that many
// bytes are archived: logs keep growing and rotating during the export, but an open descriptor still
// reads a file that rotation renamed or deleted, so the archive is a consistent snapshot that matches
// its manifest. `onProgress` gets the bytes read so far and the total.
export async function writeLogArchive(
  target: string,
  logDir: string,
  files: readonly LogFile[],
  password: string,
  info: ArchiveInfo,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<{ sizeBytes: number; files: ManifestFile[] }> {
  const opened: OpenFile[] = [];
  let out: WriteStream | undefined;
  let created = false; // a file that was already there is never ours to remove
  try {
    for (const file of files) {
      let handle: FileHandle;
      try {
        handle = await open(path.join(logDir, file.name), 'r');
      } catch (error) {
        // Rotation dropped the oldest generation between listing and opening: nothing to archive.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const entry: OpenFile = { ...file, handle, size: 0, modified: new Date(0) };
      opened.push(entry); // before stat, so that the handle is closed whatever happens next
      const stat = await handle.stat();
      entry.size = stat.size;
      entry.modified = stat.mtime;
    }

    const manifestFiles = opened.map((f) => ({
      path: `${f.category}/${f.name}`,
      category: f.category,
      sizeBytes: f.size,
      modifiedAt: f.modified.toISOString(),
    }));
    const manifest = {
      consoleDomain: info.consoleDomain,
      softwareVersion: info.softwareVersion,
      createdAt: info.createdAt.toISOString(),
      categories: info.categories,
      files: manifestFiles,
    };

    out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    out.once('open', () => (created = true));
    const zip = new ZipAesWriter(out, password); // listens for the stream's errors from here on
    await zip.addEntry('manifest.json', Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]), {
      modified: info.createdAt,
    });
    const total = opened.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    onProgress(done, total);
    while (opened.length > 0) {
      const file = opened.shift()!;
      // `end` is inclusive; an empty file gets an empty source (a read stream cannot express "no bytes").
      const source =
        file.size > 0 ? file.handle.createReadStream({ start: 0, end: file.size - 1, highWaterMark: 256 * 1024 }) : Readable.from([]);
      try {
        await zip.addEntry(`${file.category}/${file.name}`, source, {
          modified: file.modified,
          onRead: (bytes) => onProgress((done += bytes), total),
        });
      } finally {
        await file.handle.close().catch(() => {});
      }
    }
    return { sizeBytes: await zip.finish(), files: manifestFiles };
  } catch (error) {
    out?.destroy();
    if (created) await rm(target, { force: true });
    throw error;
  } finally {
    await Promise.all(opened.map((f) => f.handle.close().catch(() => {})));
  }
}
