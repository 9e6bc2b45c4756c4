import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { classifyDecryptError, decryptStream } from './age-stream.ts';
import type { BackupKey } from './identity-file.ts';
import { through, unpackTar, type TarEntry } from './tar-pack.ts';

// Reading a backup archive (.tar.gz.age: a gzip-compressed tar, encrypted with age) as a stream of
// entries, and splitting table files into rows.

export type ArchiveProblem = {
  code: 'NOT_FOUND' | 'NOT_AN_ARCHIVE' | 'NOT_ENCRYPTED' | 'WRONG_KEY' | 'DAMAGED';
  message: string;
};

export class ArchiveError extends Error {
  constructor(readonly problem: ArchiveProblem) {
    super(problem.message);
  }
}

const AGE_MAGIC = Buffer.from('age-encryption.org/');
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

// The entries of the archive at `file`, decrypted with one of `keys`; read failures surface as
// ArchiveError with a message that says what is wrong with the file (not what went wrong in age,
// zlib or tar). A wrong key is reported before any entry.
export async function* archiveEntries(file: string, keys: readonly BackupKey[]): AsyncGenerator<TarEntry> {
  const fail = (error: unknown) => new ArchiveError(describeReadError(error, file, keys));
  let head: Buffer;
  try {
    head = await readHead(file, AGE_MAGIC.length);
  } catch (error) {
    throw fail(error);
  }
  if (!head.equals(AGE_MAGIC)) {
    throw new ArchiveError(
      head.subarray(0, 2).equals(GZIP_MAGIC)
        ? {
            code: 'NOT_ENCRYPTED',
            message: `${file} is an unencrypted backup (.tar.gz) from an earlier version; this version restores only encrypted backups (.tar.gz.age). Restore it on a console running the version that made it.`,
          }
        : { code: 'NOT_AN_ARCHIVE', message: `${file} is not a console backup: it is not an age-encrypted file.` },
    );
  }
  const input = createReadStream(file);
  let tarStream;
  try {
    const plain = await decryptStream(
      input,
      keys.map((k) => k.identity),
    );
    tarStream = through(plain, createGunzip());
  } catch (error) {
    input.destroy();
    throw fail(error);
  }
  // Errors can surface while reading a header (here) or a body (in the consumer): both are translated.
  async function* translated(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    try {
      yield* body;
    } catch (error) {
      throw fail(error);
    }
  }
  try {
    for await (const entry of unpackTar(tarStream)) yield { ...entry, body: translated(entry.body) };
  } catch (error) {
    throw fail(error);
  } finally {
    input.destroy();
    tarStream.destroy();
  }
}

async function readHead(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function describeReadError(error: unknown, file: string, keys: readonly BackupKey[]): ArchiveProblem {
  if (error instanceof ArchiveError) return error.problem;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { code: 'NOT_FOUND', message: `There is no file ${file}.` };
  if (code === 'EISDIR') return { code: 'NOT_FOUND', message: `${file} is a directory, not a backup archive.` };
  if (code === 'EACCES') return { code: 'NOT_FOUND', message: `${file} cannot be read (permission denied).` };
  const decrypt = classifyDecryptError(error);
  if (decrypt?.problem === 'NO_MATCHING_KEY') {
    const given = keys.map((k) => k.recipient).join(', ');
    return {
      code: 'WRONG_KEY',
      message: `${file} was encrypted to a different key: the identity given (recipient ${given}) does not open it. Use the identity saved when the backup's encryption key was created.`,
    };
  }
  if (decrypt?.problem === 'HEADER_DAMAGED')
    return {
      code: 'DAMAGED',
      message: `${file} is damaged: its encryption header does not verify (${decrypt.detail}). Use an intact copy of the backup.`,
    };
  if (decrypt?.problem === 'PAYLOAD_DAMAGED')
    return {
      code: 'DAMAGED',
      message: `${file} is damaged or incomplete: part of its encrypted contents fails authentication (changed, or cut off during a copy). Use an intact, complete copy.`,
    };
  if (decrypt?.problem === 'NOT_AGE')
    return { code: 'NOT_AN_ARCHIVE', message: `${file} is not a console backup: it is not an age-encrypted file.` };
  // Authentic age content that is not a well-formed gzip tar: made with the (public) recipient by
  // something other than a console.
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || (error instanceof Error && /tar|Unexpected end of data/i.test(error.message)))
    return {
      code: 'DAMAGED',
      message: `${file} is not a console backup: it decrypts, but what it holds is not a gzip-compressed tar archive (${(error as Error).message}).`,
    };
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
