import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WinZipCtr } from './winzip-aes.ts';
import { ZipAesWriter } from './zip-writer.ts';

const PASSWORD = 'Xk7-pQ2!mN9#rT4+wZ6=';

function memorySink() {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function zipOf(entries: [string, Buffer][], password = PASSWORD): Promise<Buffer> {
  const { sink, bytes } = memorySink();
  const zip = new ZipAesWriter(sink, password);
  // Several chunks per entry, of odd sizes, so that the keystream carries across chunk boundaries.
  for (const [name, data] of entries) await zip.addEntry(name, Readable.from(split(data, 7_777)));
  const size = await zip.finish();
  expect(size).toBe(bytes().length);
  return bytes();
}

function split(data: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return parts;
}

type CentralEntry = {
  name: string;
  flags: number;
  method: number;
  versionNeeded: number;
  crc: number;
  compressedSize: number;
  size: number;
  extra: Buffer;
  externalAttributes: number;
  offset: number;
};

// A reader written from the specifications independently of the writer (its own key split, its own
// little-endian counter via BigInt), used to check what the writer produced. 7-Zip checks it again in the
// integration test.
function readCentralDirectory(zip: Buffer): CentralEntry[] {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  let at = zip.readUInt32LE(end + 16);
  expect(at + directorySize).toBe(end);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      versionNeeded: zip.readUInt16LE(at + 6),
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      externalAttributes: zip.readUInt32LE(at + 38),
      offset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      extra: zip.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function storedData(zip: Buffer, entry: CentralEntry): Buffer {
  const at = entry.offset;
  expect(zip.readUInt32LE(at)).toBe(0x04034b50);
  expect(zip.readUInt16LE(at + 6)).toBe(entry.flags);
  expect(zip.readUInt16LE(at + 8)).toBe(99);
  // Sizes are only known after the data: 0 here, the real ones in the data descriptor.
  expect([zip.readUInt32LE(at + 14), zip.readUInt32LE(at + 18), zip.readUInt32LE(at + 22)]).toEqual([0, 0, 0]);
  const nameLength = zip.readUInt16LE(at + 26);
  const extraLength = zip.readUInt16LE(at + 28);
  expect(zip.toString('utf8', at + 30, at + 30 + nameLength)).toBe(entry.name);
  expect(zip.subarray(at + 30 + nameLength, at + 30 + nameLength + extraLength)).toEqual(entry.extra);
  const start = at + 30 + nameLength + extraLength;
  const data = zip.subarray(start, start + entry.compressedSize);
  const descriptor = zip.subarray(start + entry.compressedSize, start + entry.compressedSize + 16);
  expect(descriptor.readUInt32LE(0)).toBe(0x08074b50);
  expect([descriptor.readUInt32LE(4), descriptor.readUInt32LE(8), descriptor.readUInt32LE(12)]).toEqual([
    0,
    entry.compressedSize,
    entry.size,
  ]);
  return data;
}

function decryptEntry(data: Buffer, password: string): Buffer {
  const salt = data.subarray(0, 16);
  const verifier = data.subarray(16, 18);
  const ciphertext = data.subarray(18, data.length - 10);
  const code = data.subarray(data.length - 10);
  const derived = pbkdf2Sync(password, salt, 1000, 66, 'sha1');
  if (!timingSafeEqual(derived.subarray(64, 66), verifier)) throw new Error('wrong password (verifier)');
  const mac = createHmac('sha1', derived.subarray(32, 64)).update(ciphertext).digest().subarray(0, 10);
  if (!timingSafeEqual(mac, code)) throw new Error('authentication failed (HMAC)');
  const ecb = createCipheriv('aes-256-ecb', derived.subarray(0, 32), null).setAutoPadding(false);
  const blocks = Math.ceil(ciphertext.length / 16);
  const counters = Buffer.alloc(blocks * 16);
  for (let i = 0; i < blocks; i++) counters.writeBigUInt64LE(BigInt(i + 1), i * 16);
  const keystream = ecb.update(counters);
  const compressed = Buffer.from(ciphertext.map((byte, i) => byte ^ keystream[i]!));
  return inflateRawSync(compressed);
}

function readZip(zip: Buffer, password: string): Map<string, Buffer> {
  return new Map(readCentralDirectory(zip).map((entry) => [entry.name, decryptEntry(storedData(zip, entry), password)]));
}

describe('ZipAesWriter', () => {
  const text = Buffer.from(Array.from({ length: 5_000 }, (_, i) => `{"level":30,"msg":"heartbeat","seq":${i}}\n`).join(''));
  // Incompressible and longer than 256 AES blocks: the counter's low byte wraps, where a big-endian
  // counter (OpenSSL's aes-256-ctr) would diverge from WinZip's.
  const random = randomBytes(300_000);

  it('writes a WinZip AES-256 (AE-2) archive whose entries decrypt and inflate to the originals', async () => {
    const zip = await zipOf([
      ['manifest.json', Buffer.from('{"files":[]}\n')],
      ['auth/auth.log', text],
      ['auth/auth.1.log', random],
      ['sensors/sensors.log', Buffer.alloc(0)],
    ]);
    const entries = readCentralDirectory(zip);
    expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'auth/auth.log', 'auth/auth.1.log', 'sensors/sensors.log']);
    for (const entry of entries) {
      expect(entry.versionNeeded).toBe(51);
      expect(entry.flags).toBe(0x0809); // encrypted, data descriptor, UTF-8 names
      expect(entry.method).toBe(99);
      expect(entry.crc).toBe(0); // AE-2: no CRC of the plaintext
      // 0x9901, 7 bytes: AE-2, vendor "AE", AES-256, deflate.
      expect(entry.extra.toString('hex')).toBe('0199' + '0700' + '0200' + '4145' + '03' + '0800');
      expect(entry.externalAttributes >>> 16).toBe(0o100600);
    }
    expect(entries.find((e) => e.name === 'auth/auth.log')!.size).toBe(text.length);
    // Text deflates well: compressed is the deflate output plus 16 salt + 2 verifier + 10 code bytes.
    expect(entries.find((e) => e.name === 'auth/auth.log')!.compressedSize).toBeLessThan(text.length / 4);

    const files = readZip(zip, PASSWORD);
    expect(files.get('manifest.json')!.toString()).toBe('{"files":[]}\n');
    expect(files.get('auth/auth.log')!.equals(text)).toBe(true);
    expect(files.get('auth/auth.1.log')!.equals(random)).toBe(true);
    expect(files.get('sensors/sensors.log')!.length).toBe(0);
  });

  it('never stores the plaintext, and uses a fresh salt per entry', async () => {
    const zip = await zipOf([
      ['a/one.log', text],
      ['a/two.log', text],
    ]);
    expect(zip.includes(Buffer.from('heartbeat'))).toBe(false);
    const [one, two] = readCentralDirectory(zip).map((entry) => storedData(zip, entry));
    expect(one!.subarray(0, 16).equals(two!.subarray(0, 16))).toBe(false);
    expect(one!.subarray(18, 200).equals(two!.subarray(18, 200))).toBe(false);
  });

  it('is rejected on read with a wrong password, and when a byte has been tampered with', async () => {
    const zip = await zipOf([['auth/auth.log', text]]);
    expect(readZip(zip, PASSWORD).get('auth/auth.log')!.equals(text)).toBe(true);
    // The 2-byte verifier catches almost every wrong password; the rare one that passes fails the HMAC.
    for (const wrong of ['Xk7-pQ2!mN9#rT4+wZ6-', '', 'password'])
      expect(() => readZip(zip, wrong)).toThrow(/wrong password|authentication failed/);

    const [entry] = readCentralDirectory(zip);
    const tampered = Buffer.from(zip);
    tampered[entry!.offset + 30 + entry!.name.length + entry!.extra.length + 18 + 40]! ^= 0x01;
    expect(() => readZip(tampered, PASSWORD)).toThrow('authentication failed (HMAC)');
  });

  it("counts AES-CTR blocks from 1, little-endian, as WinZip does, not as OpenSSL's aes-256-ctr", () => {
    const key = randomBytes(32);
    const zeros = Buffer.alloc(300 * 16);
    const winzip = new WinZipCtr(key).update(zeros);
    const block = (n: number) => winzip.subarray((n - 1) * 16, n * 16);
    const ecb = (counter: number[]) =>
      createCipheriv('aes-256-ecb', key, null)
        .setAutoPadding(false)
        .update(Buffer.from([...counter, ...Array(16 - counter.length).fill(0)]));
    expect(block(1)).toEqual(ecb([1]));
    expect(block(2)).toEqual(ecb([2]));
    expect(block(256)).toEqual(ecb([0, 1])); // the carry goes into byte 1
    expect(block(257)).toEqual(ecb([1, 1]));
    const initial = Buffer.alloc(16);
    initial[0] = 1;
    const openssl = createCipheriv('aes-256-ctr', key, initial).update(zeros);
    expect(openssl.subarray(0, 16)).toEqual(block(1));
    expect(openssl.subarray(16, 32)).not.toEqual(block(2));
    // Chunking does not change the keystream.
    const ctr = new WinZipCtr(key);
    expect(Buffer.concat(split(zeros, 13).map((part) => ctr.update(part))).equals(winzip)).toBe(true);
  });

  it('streams: a 64 MiB source is written out as it is read, never buffered whole', async () => {
    const MiB = 1024 * 1024;
    let read = 0;
    let written = 0;
    let maxAhead = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done();
      },
    });
    const chunk = randomBytes(MiB); // incompressible: what goes in must come out, byte for byte in size
    async function* source() {
      for (let i = 0; i < 64; i++) {
        maxAhead = Math.max(maxAhead, read - written);
        read += chunk.length;
        yield chunk;
      }
    }
    const zip = new ZipAesWriter(sink, PASSWORD);
    const { size, compressedSize } = await zip.addEntry('big/big.log', source());
    await zip.finish();
    expect(size).toBe(64 * MiB);
    expect(compressedSize).toBeGreaterThan(64 * MiB);
    // At any time at most a few chunks are between the source and the output.
    expect(maxAhead).toBeLessThan(4 * MiB);
  });

  it('refuses entry names that would extract outside the target directory', async () => {
    const zip = new ZipAesWriter(memorySink().sink, PASSWORD);
    for (const name of ['', '/etc/passwd', '../x.log', 'a/../../x.log', 'a\\b.log', 'a//b.log']) {
      await expect(zip.addEntry(name, Readable.from([]))).rejects.toThrow('Not a safe entry name');
    }
  });

  it('reports a failing output to the caller', async () => {
    const sink = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('ENOSPC: no space left on device'));
      },
    });
    const zip = new ZipAesWriter(sink, PASSWORD);
    await expect(
      (async () => {
        await zip.addEntry('a/a.log', Readable.from([text]));
        await zip.finish();
      })(),
    ).rejects.toThrow('ENOSPC');
  });

  it('needs a password', () => {
    expect(() => new ZipAesWriter(memorySink().sink, '')).toThrow('needs a password');
  });
});
