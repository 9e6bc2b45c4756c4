// A minimal POSIX ustar writer and reader, enough for backup archives (regular files only). Both stream:
// the writer yields header, body chunks and padding as they come, the reader hands out each entry's
// body as an async iterable, so neither holds a whole archive (or a whole entry) in memory.

const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

export type TarEntryInput = {
  name: string;
  size: number;
  mtime: Date;
  mode?: number;
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
};

export type TarEntry = {
  name: string;
  size: number;
  mtime: Date;
  mode: number;
  // '0' regular file; anything else (directories, links, pax headers) is reported but not interpreted.
  type: string;
  body: AsyncIterable<Buffer>;
};

export class TarError extends Error {
  constructor(
    readonly code: 'TRUNCATED' | 'CORRUPT',
    message: string,
  ) {
    super(message);
  }
}

// Numeric fields are octal text ending in NUL; a size too large for the octal digits uses the GNU
// base-256 form (high bit set), which GNU tar, bsdtar and this reader understand.
function writeNumber(header: Buffer, offset: number, width: number, value: number): void {
  const octal = value.toString(8);
  if (octal.length <= width - 1) {
    header.write(octal.padStart(width - 1, '0'), offset, 'ascii');
    header[offset + width - 1] = 0;
    return;
  }
  let rest = BigInt(value);
  for (let i = offset + width - 1; i > offset; i--) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  header[offset] = 0x80;
}

function readNumber(header: Buffer, offset: number, width: number): number {
  if (header[offset]! & 0x80) {
    let value = 0n;
    for (let i = offset + 1; i < offset + width; i++) value = (value << 8n) | BigInt(header[i]!);
    return Number(value);
  }
  const text = readString(header, offset, width).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError('CORRUPT', 'The archive has a damaged entry header.');
  return parseInt(text, 8);
}

function readString(header: Buffer, offset: number, width: number): string {
  const field = header.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? width : end).toString('utf8');
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

// Names up to 100 bytes go in `name`; longer ones are split at a '/' into `prefix` (≤ 155) + `name`.
function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  throw new Error(`Name too long for a ustar archive: ${name}`);
}

export function tarHeader(entry: { name: string; size: number; mtime: Date; mode?: number }): Buffer {
  const header = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(entry.name);
  header.write(name, 0, 100, 'utf8');
  writeNumber(header, 100, 8, entry.mode ?? 0o600);
  writeNumber(header, 108, 8, 0); // uid
  writeNumber(header, 116, 8, 0); // gid
  writeNumber(header, 124, 12, entry.size);
  writeNumber(header, 136, 12, Math.max(0, Math.floor(entry.mtime.getTime() / 1000)));
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  header.write(checksum(header).toString(8).padStart(6, '0') + '\u0000 ', 148, 'ascii');
  return header;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

// The archive as a stream of chunks. Each entry's body must produce exactly `size` bytes: the header
// is written before the body, so a size that turns out wrong is a bug and aborts the archive.
export async function* tarStream(entries: AsyncIterable<TarEntryInput> | Iterable<TarEntryInput>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    yield tarHeader(entry);
    let written = 0;
    for await (const chunk of entry.body) {
      written += chunk.length;
      if (written > entry.size) throw new Error(`${entry.name}: body is longer than the declared ${entry.size} bytes`);
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
    if (written !== entry.size) throw new Error(`${entry.name}: body is ${written} bytes, declared ${entry.size}`);
    yield padding(entry.size);
  }
  yield END_OF_ARCHIVE;
}

// Pulls exact byte counts out of a chunked stream without copying more than it must.
class ByteReader {
  private pending: Buffer | null = null;
  private ended = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  // Up to `max` bytes (at least one), or null at the end of the stream.
  async take(max: number): Promise<Buffer | null> {
    while (!this.pending || this.pending.length === 0) {
      if (this.ended) return null;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return null;
      }
      this.pending = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
    }
    const out = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  async exactly(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.take(n - got);
      if (!part) break;
      parts.push(part);
      got += part.length;
    }
    if (got === 0) return null;
    if (got < n) throw new TarError('TRUNCATED', 'The archive ends in the middle of an entry.');
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async skip(n: number): Promise<void> {
    for (let left = n; left > 0;) {
      const part = await this.take(left);
      if (!part) throw new TarError('TRUNCATED', 'The archive ends in the middle of an entry.');
      left -= part.length;
    }
  }
}

// The entries of a ustar archive, in order. A consumer may read an entry's body, part of it, or none:
// whatever it leaves is skipped before the next entry. The end-of-archive marker is required, so a
// cut-off archive is reported as truncated rather than read as a shorter one.
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  for (;;) {
    const header = await reader.exactly(BLOCK);
    if (!header) throw new TarError('TRUNCATED', 'The archive ends without its end-of-archive marker.');
    if (header.every((b) => b === 0)) return;
    const stored = readNumber(header, 148, 8);
    if (stored !== checksum(header)) throw new TarError('CORRUPT', 'The archive has a damaged entry header (checksum mismatch).');
    const prefix = readString(header, 345, 155);
    const shortName = readString(header, 0, 100);
    const size = readNumber(header, 124, 12);
    const typeflag = String.fromCharCode(header[156]!);
    let remaining = size;
    const body = (async function* () {
      while (remaining > 0) {
        const chunk = await reader.take(remaining);
        if (!chunk) throw new TarError('TRUNCATED', 'The archive ends in the middle of an entry.');
        remaining -= chunk.length;
        yield chunk;
      }
    })();
    yield {
      name: prefix ? `${prefix}/${shortName}` : shortName,
      size,
      mtime: new Date(readNumber(header, 136, 12) * 1000),
      mode: readNumber(header, 100, 8),
      type: typeflag === '\u0000' ? '0' : typeflag,
      body,
    };
    await reader.skip(remaining + padding(size).length);
  }
}
