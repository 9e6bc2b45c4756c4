import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { configure, TextReader, ZipWriter } from '@zip.js/zip.js';
import type { LogCategory } from '../logs/categories.ts';
import { emptyCategoryReason } from './empty-categories.ts';

// No web workers: Node has none to give, and compressing one entry at a time keeps memory flat.
configure({ useWebWorkers: false });

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

export type ArchiveInfo = {
  consoleDomain: string;
  softwareVersion: string;
  createdAt: Date;
  categories: readonly LogCategory[];
  // Whether this console is paired for high availability (it has no ha.log when it is not).
  standalone: boolean;
};

export type EmptyCategory = { category: LogCategory; reason: string };

type OpenFile = LogFile & { handle: FileHandle; size: number; modified: Date };

// Writes the encrypted archive to `target` (created 0600, never overwritten): manifest.json and
// README.txt, then <category>/<file name> for each log file, each entry deflated and encrypted with
// WinZip AES-256 (AE-2) by zip.js, which switches to ZIP64 where sizes need it, one entry at a time as
// a stream. Every file is opened and measured first, and exactly that many bytes are archived: logs
// keep growing and rotating during the export, but an open descriptor still reads a file that rotation
// renamed or deleted, so the archive is a consistent snapshot that matches its manifest. `onProgress` gets the bytes read so far and the total.
export async function writeLogArchive(
  target: string,
  logDir: string,
  files: readonly LogFile[],
  password: string,
  info: ArchiveInfo,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<{ sizeBytes: number; files: ManifestFile[]; empty: EmptyCategory[] }> {
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
    const empty = info.categories
      .filter((category) => !opened.some((f) => f.category === category))
      .map((category) => ({ category, reason: emptyCategoryReason(category, { standalone: info.standalone }) }));
    const manifest = {
      consoleDomain: info.consoleDomain,
      softwareVersion: info.softwareVersion,
      createdAt: info.createdAt.toISOString(),
      categories: info.categories,
      files: manifestFiles,
      emptyCategories: empty,
    };

    out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    out.once('open', () => (created = true));
    const zip = new ZipWriter(Writable.toWeb(out), { password, encryptionStrength: 3, level: 6 });
    const entry = { lastModDate: info.createdAt, externalFileAttributes: FILE_ATTRIBUTES };
    await zip.add('manifest.json', new TextReader(`${JSON.stringify(manifest, null, 2)}\n`), entry);
    await zip.add('README.txt', new TextReader(readme(info, manifestFiles, empty)), entry);
    const total = opened.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    onProgress(done, total);
    while (opened.length > 0) {
      const file = opened.shift()!;
      // `end` is inclusive; an empty file gets an empty source (a read stream cannot express "no bytes").
      const source =
        file.size > 0 ? file.handle.createReadStream({ start: 0, end: file.size - 1, highWaterMark: 256 * 1024 }) : Readable.from([]);
      try {
        await zip.add(`${file.category}/${file.name}`, Readable.toWeb(source) as ReadableStream<Uint8Array>, {
          lastModDate: file.modified,
          externalFileAttributes: FILE_ATTRIBUTES,
          uncompressedSize: file.size,
          onprogress: (read) => void onProgress(done + read, total),
        });
        done += file.size;
      } finally {
        await file.handle.close().catch(() => {});
      }
    }
    await zip.close();
    await finished(out);
    return { sizeBytes: out.bytesWritten, files: manifestFiles, empty };
  } catch (error) {
    out?.destroy();
    if (created) await rm(target, { force: true });
    throw error;
  } finally {
    await Promise.all(opened.map((f) => f.handle.close().catch(() => {})));
  }
}

// Unix "regular file, owner read/write" in the upper half: the logs stay private once extracted.
const FILE_ATTRIBUTES = 0o100600 << 16;

function readme(info: ArchiveInfo, files: readonly ManifestFile[], empty: readonly EmptyCategory[]): string {
  const lines = [
    `Core logs of ${info.consoleDomain} (version ${info.softwareVersion}), exported ${info.createdAt.toISOString()}.`,
    'One folder per category; <category>.log is the newest file, <category>.1.log the one before it, and so on.',
    'manifest.json lists every file with its size and modification time.',
    '',
  ];
  for (const category of info.categories) {
    const count = files.filter((f) => f.category === category).length;
    const reason = empty.find((e) => e.category === category)?.reason;
    lines.push(`${category}: ${reason ?? `${count} file${count === 1 ? '' : 's'}`}`);
  }
  return `${lines.join('\n')}\n`;
}
