import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar, tarHeader, tarStream, TarError, type TarEntryInput } from './tar.ts';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

// Re-chunks a buffer into pieces of awkward sizes, as a gunzip stream would deliver it.
async function* chunked(buffer: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let i = 0; offset < buffer.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield buffer.subarray(offset, offset + size);
    offset += size;
  }
}

const mtime = new Date('2026-03-01T12:34:56Z');
const big = Buffer.alloc(70_000, 0);
for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
const longName = `tables/${'x'.repeat(120)}/${'y'.repeat(60)}.jsonl`;
const files: { name: string; data: Buffer }[] = [
  { name: 'manifest.json', data: Buffer.from('{"formatVersion":1}\n') },
  { name: 'tables/empty.jsonl', data: Buffer.alloc(0) },
  { name: 'tables/exact-block.jsonl', data: Buffer.alloc(512, 0x61) },
  { name: 'tables/unicode ü \u2028.jsonl', data: Buffer.from('{"name":"Zürich \u2028 line"}\n') },
  { name: 'tables/big.bin', data: big },
  { name: longName, data: Buffer.from('long name\n') },
];
const inputs = (): TarEntryInput[] =>
  files.map((f) => ({ name: f.name, size: f.data.length, mtime, body: chunked(f.data, [1000, 7, 4096]) }));

describe('ustar writer and reader', () => {
  it('round-trip names, sizes, mtimes and bodies, whatever the chunking', async () => {
    const archive = await collect(tarStream(inputs()));
    expect(archive.length % 512).toBe(0);
    for (const sizes of [[1], [511, 513], [100_000]]) {
      const seen: { name: string; data: Buffer; mtime: Date; type: string; mode: number }[] = [];
      for await (const entry of readTar(chunked(archive, sizes)))
        seen.push({ name: entry.name, data: await collect(entry.body), mtime: entry.mtime, type: entry.type, mode: entry.mode });
      expect(seen.map((s) => s.name)).toEqual(files.map((f) => f.name));
      seen.forEach((s, i) => {
        expect(s.data.equals(files[i]!.data), s.name).toBe(true);
        expect(s.mtime.toISOString()).toBe(mtime.toISOString());
        expect(s.type).toBe('0');
        expect(s.mode).toBe(0o600);
      });
    }
  });

  it('skips the bodies a reader leaves unread, in whole or in part', async () => {
    const archive = await collect(tarStream(inputs()));
    const names: string[] = [];
    let firstByteOfBig: number | undefined;
    for await (const entry of readTar(chunked(archive, [333]))) {
      names.push(entry.name);
      if (entry.name === 'tables/big.bin') {
        for await (const chunk of entry.body) {
          firstByteOfBig = chunk[0];
          break;
        }
      }
    }
    expect(names).toEqual(files.map((f) => f.name));
    expect(firstByteOfBig).toBe(big[0]);
  });

  it('writes archives that GNU tar lists and extracts byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'otc-tar-'));
    try {
      const archive = path.join(dir, 'a.tar');
      writeFileSync(archive, await collect(tarStream(inputs())));
      expect(execFileSync('tar', ['--quoting-style=literal', '-tf', archive], { encoding: 'utf8' }).trim().split('\n')).toEqual(
        files.map((f) => f.name),
      );
      execFileSync('tar', ['-xf', archive, '-C', dir]);
      for (const f of files) expect(readFileSync(path.join(dir, f.name)).equals(f.data), f.name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads archives made by GNU tar', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'otc-tar-'));
    try {
      writeFileSync(path.join(dir, 'hello.txt'), 'hello from GNU tar\n');
      execFileSync('tar', ['--format=ustar', '-cf', 'a.tar', 'hello.txt'], { cwd: dir });
      const read: Record<string, string> = {};
      for await (const entry of readTar(chunked(readFileSync(path.join(dir, 'a.tar')), [4096])))
        read[entry.name] = (await collect(entry.body)).toString();
      expect(read).toEqual({ 'hello.txt': 'hello from GNU tar\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encodes sizes beyond the octal field in base-256', () => {
    const header = tarHeader({ name: 'huge', size: 2 ** 34, mtime });
    expect(header[124]).toBe(0x80);
    expect(header.readUIntBE(124 + 6, 6)).toBe(2 ** 34);
  });

  it('refuses a body that does not match its declared size', async () => {
    const tooShort = tarStream([{ name: 'a', size: 10, mtime, body: [Buffer.from('abc')] }]);
    await expect(collect(tooShort)).rejects.toThrow('a: body is 3 bytes, declared 10');
    const tooLong = tarStream([{ name: 'a', size: 2, mtime, body: [Buffer.from('abc')] }]);
    await expect(collect(tooLong)).rejects.toThrow('body is longer than the declared 2 bytes');
  });

  it('reports a cut-off archive as truncated and a damaged header as corrupt', async () => {
    const archive = await collect(tarStream(inputs()));
    const drain = async (buffer: Buffer) => {
      for await (const entry of readTar(chunked(buffer, [4096]))) await collect(entry.body);
    };
    for (const cut of [archive.length - 1024, 1000, 512 + 10]) {
      const error = await drain(archive.subarray(0, cut)).catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).toBeInstanceOf(TarError);
      expect((error as TarError).code).toBe('TRUNCATED');
    }
    const damaged = Buffer.from(archive);
    damaged[10] = damaged[10]! ^ 0xff;
    await expect(drain(damaged)).rejects.toMatchObject({ code: 'CORRUPT' });
  });
});
