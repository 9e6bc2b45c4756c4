import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { readTar, TarError, type TarEntry } from './tar.ts';

// Reading a backup archive (.tar.gz) as a stream of entries, and splitting table files into rows.

export type ArchiveProblem = { code: 'NOT_FOUND' | 'NOT_AN_ARCHIVE' | 'TRUNCATED' | 'DAMAGED'; message: string };

export class ArchiveError extends Error {
  constructor(readonly problem: ArchiveProblem) {
    super(problem.message);
  }
}

// The entries of the archive at `file`; read failures surface as ArchiveError with a message that
// says what is wrong with the file (not what went wrong in zlib).
export async function* archiveEntries(file: string): AsyncGenerator<TarEntry> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  // Errors can surface while reading a header (here) or a body (in the consumer): both are translated.
  async function* translated(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    try {
      yield* body;
    } catch (error) {
      throw new ArchiveError(describeReadError(error, file));
    }
  }
  try {
    for await (const entry of readTar(gunzip)) yield { ...entry, body: translated(entry.body) };
  } catch (error) {
    throw new ArchiveError(describeReadError(error, file));
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

function describeReadError(error: unknown, file: string): ArchiveProblem {
  if (error instanceof ArchiveError) return error.problem;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { code: 'NOT_FOUND', message: `There is no file ${file}.` };
  if (code === 'EISDIR') return { code: 'NOT_FOUND', message: `${file} is a directory, not a backup archive.` };
  if (code === 'EACCES') return { code: 'NOT_FOUND', message: `${file} cannot be read (permission denied).` };
  if (code === 'Z_DATA_ERROR')
    return { code: 'NOT_AN_ARCHIVE', message: `${file} is not a console backup: it is not gzip-compressed (${(error as Error).message}).` };
  if (code === 'Z_BUF_ERROR' || (error instanceof TarError && error.code === 'TRUNCATED')) {
    return {
      code: 'TRUNCATED',
      message: `${file} is incomplete: the archive is cut off (was the copy interrupted?). Use a complete copy.`,
    };
  }
  if (error instanceof TarError) return { code: 'DAMAGED', message: `${file} is damaged: ${error.message}` };
  throw error;
}

// Splits a JSON-lines body into lines. Splitting on the newline byte is safe for UTF-8 (it never
// occurs inside a multi-byte character) and for JSON (newlines inside strings are escaped).
export async function* jsonLines(body: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    let data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a)) {
      yield data.subarray(0, nl).toString('utf8');
      data = data.subarray(nl + 1);
    }
    carry = Buffer.from(data);
  }
  if (carry.length) yield carry.toString('utf8');
}

// Groups lines into batches for multi-row INSERTs, bounded by count and by bytes.
export async function* batches(lines: AsyncIterable<string>, maxRows = 500, maxBytes = 4 * 1024 * 1024): AsyncGenerator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for await (const line of lines) {
    batch.push(line);
    bytes += line.length;
    if (batch.length >= maxRows || bytes >= maxBytes) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) yield batch;
}

export async function readAll(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return null;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
