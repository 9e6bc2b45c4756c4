import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { AUTH_CODE_LENGTH, SALT_LENGTH, VERIFIER_LENGTH, WinZipAesEncryptor } from './winzip-aes.ts';

// A streaming ZIP writer whose every entry is deflated, then WinZip-AES-256 encrypted (AE-2).
// Sections refer to PKWARE's APPNOTE.TXT 6.3.x and to WinZip's AES specification
// (https://www.winzip.com/en/support/aes-encryption/).
//
// Streaming is the point: log files are read, deflated, encrypted and written chunk by chunk with
// backpressure, so memory stays flat however large the logs. That is why each entry's sizes follow its
// data in a data descriptor (general purpose bit 3) instead of being known up front in its local header.
//
// No ZIP64: an entry or the archive beyond 4 GiB is refused. Core logs rotate at 10 MiB and keep five
// generations per category, so an export stays far below that.

const SIG_LOCAL = 0x04034b50; // §4.3.7
const SIG_DESCRIPTOR = 0x08074b50; // §4.3.9 (optional signature, written as most tools expect it)
const SIG_CENTRAL = 0x02014b50; // §4.3.12
const SIG_END = 0x06054b50; // §4.3.16

const FLAG_ENCRYPTED = 0x0001; // bit 0
const FLAG_DESCRIPTOR = 0x0008; // bit 3: CRC and sizes are in the data descriptor after the data
const FLAG_UTF8 = 0x0800; // bit 11: names are UTF-8
const FLAGS = FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_UTF8;

const METHOD_AES = 99; // WinZip AES: the real method is in the 0x9901 extra field
const METHOD_DEFLATE = 8;
const VERSION_NEEDED = 51; // 5.1, as the AES spec requires
const VERSION_MADE_BY = (3 << 8) | 63; // upper byte 3 = Unix, so external attributes carry a file mode
const UNIX_FILE_MODE = 0o100600; // regular file, owner read/write: the logs stay private once extracted

const MAX_32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;

// The AES extra field (WinZip spec, "Extra data field"): vendor version 2 = AE-2, vendor ID "AE",
// strength 3 = AES-256, then the compression method actually used. AE-2 rather than AE-1: the CRC field
// stays 0, because a CRC of the plaintext would leak information; the HMAC authenticates instead.
function aesExtraField(): Buffer {
  const field = Buffer.alloc(11);
  field.writeUInt16LE(0x9901, 0);
  field.writeUInt16LE(7, 2);
  field.writeUInt16LE(2, 4);
  field.write('AE', 6, 'latin1');
  field.writeUInt8(3, 8);
  field.writeUInt16LE(METHOD_DEFLATE, 9);
  return field;
}

// MS-DOS date and time (§4.4.6), local time, two-second resolution, nothing before 1980.
function dosDateTime(when: Date): { time: number; date: number } {
  const d = when.getFullYear() < 1980 ? new Date(1980, 0, 1) : when;
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

type Entry = { name: Buffer; time: number; date: number; offset: number; size: number; compressedSize: number };

export type AddEntryOptions = {
  modified?: Date;
  // Called with each chunk's length as it is read from the source, for progress reporting.
  onRead?: (bytes: number) => void;
};

export class ZipAesWriter {
  readonly #out: Writable;
  readonly #password: string;
  readonly #entries: Entry[] = [];
  #offset = 0;
  #failure: Error | undefined;
  #closed = false;

  constructor(out: Writable, password: string) {
    if (!password) throw new Error('An encrypted archive needs a password.');
    this.#out = out;
    this.#password = password;
    // Kept rather than thrown from an event: the next write reports it to whoever is awaiting.
    out.on('error', (error: Error) => (this.#failure ??= error));
  }

  async #write(chunk: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#offset += chunk.length;
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  // Writes one entry: local header, salt + verifier, deflated-then-encrypted data, authentication code,
  // data descriptor. Resolves once the whole entry has been handed to the output.
  async addEntry(
    name: string,
    source: Readable | AsyncIterable<Buffer>,
    options: AddEntryOptions = {},
  ): Promise<{ size: number; compressedSize: number }> {
    if (this.#closed) throw new Error('The archive is already finished.');
    if (this.#entries.length >= MAX_ENTRIES) throw new RangeError(`A ZIP archive without ZIP64 holds at most ${MAX_ENTRIES} entries.`);
    // Relative, forward-slash paths only (§4.4.17), so extraction cannot escape its target directory.
    if (!name || name.startsWith('/') || name.includes('\\') || name.split('/').some((part) => part === '..' || part === '')) {
      throw new Error(`Not a safe entry name: ${JSON.stringify(name)}`);
    }
    const nameBytes = Buffer.from(name, 'utf8');
    const { time, date } = dosDateTime(options.modified ?? new Date());
    const offset = this.#offset;
    const extra = aesExtraField();

    const header = Buffer.alloc(30);
    header.writeUInt32LE(SIG_LOCAL, 0);
    header.writeUInt16LE(VERSION_NEEDED, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(METHOD_AES, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    // CRC-32 (0 under AE-2) and both sizes (in the data descriptor) stay 0.
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(extra.length, 28);
    await this.#write(Buffer.concat([header, nameBytes, extra]));

    const encryptor = new WinZipAesEncryptor(this.#password);
    await this.#write(encryptor.header);
    let size = 0;
    let encryptedSize = 0;
    const write = (chunk: Buffer) => this.#write(chunk);
    await pipeline(
      source,
      async function* count(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          options.onRead?.(chunk.length);
          yield chunk;
        }
      },
      createDeflateRaw(),
      async function encrypt(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          const encrypted = encryptor.update(chunk);
          encryptedSize += encrypted.length;
          await write(encrypted);
        }
      },
    );
    await this.#write(encryptor.final());

    // The "compressed size" of an AES entry covers everything stored: salt, verifier, data, code.
    const compressedSize = SALT_LENGTH + VERIFIER_LENGTH + encryptedSize + AUTH_CODE_LENGTH;
    if (size > MAX_32 || compressedSize > MAX_32 || offset > MAX_32)
      throw new RangeError(`${name} is too large for a ZIP archive without ZIP64.`);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(SIG_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(0, 4); // CRC-32: 0 under AE-2
    descriptor.writeUInt32LE(compressedSize, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.#write(descriptor);

    this.#entries.push({ name: nameBytes, time, date, offset, size, compressedSize });
    return { size, compressedSize };
  }

  // Writes the central directory and its end record, ends the output and waits until it is flushed.
  // Returns the archive's size in bytes.
  async finish(): Promise<number> {
    if (this.#closed) throw new Error('The archive is already finished.');
    this.#closed = true;
    const directoryOffset = this.#offset;
    for (const entry of this.#entries) {
      const extra = aesExtraField();
      const record = Buffer.alloc(46);
      record.writeUInt32LE(SIG_CENTRAL, 0);
      record.writeUInt16LE(VERSION_MADE_BY, 4);
      record.writeUInt16LE(VERSION_NEEDED, 6);
      record.writeUInt16LE(FLAGS, 8);
      record.writeUInt16LE(METHOD_AES, 10);
      record.writeUInt16LE(entry.time, 12);
      record.writeUInt16LE(entry.date, 14);
      record.writeUInt32LE(0, 16); // CRC-32: 0 under AE-2
      record.writeUInt32LE(entry.compressedSize, 20);
      record.writeUInt32LE(entry.size, 24);
      record.writeUInt16LE(entry.name.length, 28);
      record.writeUInt16LE(extra.length, 30);
      // Comment length, disk number and internal attributes stay 0.
      record.writeUInt32LE(UNIX_FILE_MODE * 0x10000, 38); // external attributes: mode in the upper half
      record.writeUInt32LE(entry.offset, 42);
      await this.#write(Buffer.concat([record, entry.name, extra]));
    }
    const directorySize = this.#offset - directoryOffset;
    if (directoryOffset > MAX_32 || this.#offset > MAX_32) throw new RangeError('The archive is too large for a ZIP file without ZIP64.');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(SIG_END, 0);
    // Disk numbers stay 0: a single-file archive.
    end.writeUInt16LE(this.#entries.length, 8);
    end.writeUInt16LE(this.#entries.length, 10);
    end.writeUInt32LE(directorySize, 12);
    end.writeUInt32LE(directoryOffset, 16);
    await this.#write(end);
    this.#out.end();
    await finished(this.#out);
    if (this.#failure) throw this.#failure;
    return this.#offset;
  }
}
