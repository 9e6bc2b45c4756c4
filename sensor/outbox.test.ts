import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, OutboxCorruptError, OutboxGapError } from './outbox.ts';
import type { NewEvent } from './traffic.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'otc-outbox-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const alert = (n: number): NewEvent => ({
  kind: 'alert',
  at: 1_700_000_000_000 + n,
  severity: 'high',
  title: `Unauthorized Modbus write to holding register ${40000 + n}`,
  protocol: 'modbus',
  source: '10.1.2.3',
  destination: '10.1.2.10',
  details: `attempt ${n} — ünïcode kept intact`,
});
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.startsWith('seg-'))
    .sort();
const seqsOf = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { seq: number }).seq);

async function fill(outbox: Outbox, count: number, from = 1) {
  const made = [];
  for (let i = 0; i < count; i++) made.push(await outbox.append(alert(from + i)));
  return made;
}

describe('the sensor outbox', () => {
  it('gives each event the next seq, durably, and hands them back in order', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir);
    const made = await fill(outbox, 5);
    expect(made.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(outbox.pending).toBe(5);

    const reopened = await Outbox.open(dir);
    expect([reopened.ackedSeq, reopened.lastSeq]).toEqual([0, 5]);
    const batch = await reopened.read(1, 500);
    expect(batch.firstSeq).toBe(1);
    expect(batch.lines.map((l) => JSON.parse(l))).toEqual(made);
    expect((await reopened.read(4, 1)).lines.map((l) => JSON.parse(l))).toEqual([made[3]]);
    expect((await reopened.read(6, 10)).lines).toEqual([]);
  });

  it('writes events appended together in one group, still one seq each in call order', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir);
    const made = await Promise.all(Array.from({ length: 100 }, (_, i) => outbox.append(alert(i))));
    expect(made.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(made.map((e) => e.at)).toEqual(Array.from({ length: 100 }, (_, i) => alert(i).at));
    const text = readFileSync(path.join(dir, segments(dir)[0]!), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(100);
  });

  it('refuses an event the console would refuse, without using up a seq', async () => {
    const outbox = await Outbox.open(tempDir());
    await expect(outbox.append({ ...alert(1), title: '' } as NewEvent)).rejects.toThrow(/not a valid protocol event/);
    expect(outbox.lastSeq).toBe(0);
    expect((await outbox.append(alert(2))).seq).toBe(1);
  });

  it('drops a torn last line left by a crash in the middle of an append; the complete events and their seqs stay', async () => {
    const dir = tempDir();
    const made = await fill(await Outbox.open(dir), 3);
    const file = path.join(dir, segments(dir)[0]!);
    const whole = readFileSync(file);
    const torn = `${JSON.stringify({ seq: 4, ...alert(4) })}`.slice(0, 57);
    appendFileSync(file, torn);
    const warnings: string[] = [];

    const reopened = await Outbox.open(dir, { onWarning: (m) => warnings.push(m) });
    expect(reopened.lastSeq).toBe(3);
    expect(warnings.join()).toMatch(/dropped 57 bytes .*incomplete last line/);
    expect(readFileSync(file)).toEqual(whole);
    // The torn event was never produced (never fsynced, never sent): its seq goes to the next event.
    const next = await reopened.append(alert(40));
    expect(next.seq).toBe(4);
    const lines = (await (await Outbox.open(dir)).read(1, 10)).lines;
    expect(lines.map((l) => JSON.parse(l))).toEqual([...made, next]);
  });

  it('recovers exactly the complete events, at every byte offset a crash could cut the last segment at', async () => {
    const source = tempDir();
    const made = await fill(await Outbox.open(source), 6);
    const file = segments(source)[0]!;
    const bytes = readFileSync(path.join(source, file));
    const ends: number[] = [];
    bytes.forEach((b, i) => b === 0x0a && ends.push(i + 1));
    expect(ends).toHaveLength(6);
    // Exhaustive, in one directory rewritten per offset: the segment file is all the outbox holds.
    const dir = tempDir();
    for (let cut = 0; cut <= bytes.length; cut++) {
      writeFileSync(path.join(dir, file), bytes.subarray(0, cut));
      const outbox = await Outbox.open(dir);
      const complete = ends.filter((e) => e <= cut).length;
      expect(outbox.lastSeq, `cut at ${cut}`).toBe(complete);
      expect(
        (await outbox.read(1, 10)).lines.map((l) => JSON.parse(l)),
        `cut at ${cut}`,
      ).toEqual(made.slice(0, complete));
      expect((await outbox.append(alert(99))).seq, `cut at ${cut}`).toBe(complete + 1);
      expect(readdirSync(dir), `cut at ${cut}`).toEqual([file]);
    }
  }, 120_000);

  it('refuses to open an outbox damaged anywhere but the tail, with the file named', async () => {
    const dir = tempDir();
    await fill(await Outbox.open(dir, { segmentMaxBytes: 600 }), 8);
    expect(segments(dir).length).toBeGreaterThan(2);
    const first = path.join(dir, segments(dir)[0]!);
    writeFileSync(first, readFileSync(first, 'utf8').replace('"seq":2', '"seq":7'));
    const opened = Outbox.open(dir);
    await expect(opened).rejects.toThrow(OutboxCorruptError);
    await expect(Outbox.open(dir)).rejects.toThrow(new RegExp(`damaged: ${first}.*seq 7 where 2 was expected`));
  });

  it('on acknowledgement keeps the pointer and removes fully acknowledged segments, never the newest', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir, { segmentMaxBytes: 700 });
    await fill(outbox, 12);
    const before = segments(dir);
    expect(before.length).toBeGreaterThanOrEqual(4);

    expect(await outbox.ack(5)).toBe(true);
    expect(await outbox.ack(3)).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, 'acked.json'), 'utf8'))).toEqual({ ackedSeq: 5 });
    const left = segments(dir);
    expect(left.length).toBeLessThan(before.length);
    // Every event after the pointer is still there.
    expect(seqsOf((await outbox.read(6, 100)).lines)).toEqual([6, 7, 8, 9, 10, 11, 12]);

    await outbox.ack(12);
    expect(segments(dir)).toHaveLength(1);
    expect(outbox.pending).toBe(0);
    const reopened = await Outbox.open(dir);
    expect([reopened.ackedSeq, reopened.lastSeq, reopened.pending]).toEqual([12, 12, 0]);
    // Seqs are never reused, even with every event acknowledged.
    expect((await reopened.append(alert(13))).seq).toBe(13);
  });

  it('continues after the pointer when the acknowledged segments, and even the pointer file, are all it has', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir, { segmentMaxBytes: 300 });
    await fill(outbox, 6);
    await outbox.ack(6);
    // Remove the newest segment too (as a jump past everything does): the pointer alone carries the seq.
    for (const name of segments(dir)) rmSync(path.join(dir, name));
    const reopened = await Outbox.open(dir);
    expect((await reopened.append(alert(7))).seq).toBe(7);
  });

  it('reports events the console asks for again after acknowledging them as gone, and serves those still kept', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir, { segmentMaxBytes: 700, cacheMax: 2 });
    await fill(outbox, 12);
    await outbox.ack(9);
    const kept = segments(dir).map((n) => Number(/(\d+)/.exec(n)![1]))[0]!;
    expect(kept).toBeGreaterThan(1);
    expect(seqsOf((await outbox.read(kept, 3)).lines)).toEqual([kept, kept + 1, kept + 2]);
    await expect(outbox.read(1, 10)).rejects.toThrow(OutboxGapError);
    await expect(outbox.read(1, 10)).rejects.toThrow(/events from seq 1 are no longer in the outbox/);
  });

  it('reads beyond its memory from disk, across segments', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir, { segmentMaxBytes: 500, cacheMax: 3 });
    const made = await fill(outbox, 20);
    const batch = await outbox.read(1, 20);
    expect(batch.lines.map((l) => JSON.parse(l))).toEqual(made);
    expect(seqsOf((await outbox.read(14, 4)).lines)).toEqual([14, 15, 16, 17]);
  });

  it("continues after the console's seq when the console already stores more than this outbox produced", async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const outbox = await Outbox.open(dir, { onWarning: (m) => warnings.push(m) });
    await fill(outbox, 3);
    await outbox.ack(40);
    expect(warnings.join()).toMatch(/already stores events up to seq 40/);
    expect([outbox.ackedSeq, outbox.lastSeq]).toEqual([40, 40]);
    expect((await outbox.append(alert(1))).seq).toBe(41);
    const reopened = await Outbox.open(dir);
    expect([reopened.ackedSeq, reopened.lastSeq]).toEqual([40, 41]);
    expect(seqsOf((await reopened.read(41, 5)).lines)).toEqual([41]);
  });

  it('keeps acknowledged segments aside when asked to (for audits and tests)', async () => {
    const dir = tempDir();
    const outbox = await Outbox.open(dir, { segmentMaxBytes: 500, keepAcked: true });
    await fill(outbox, 10);
    await outbox.ack(10);
    await outbox.append(alert(11));
    const archived = readdirSync(path.join(dir, 'acked')).sort();
    const all = [...archived.map((n) => path.join(dir, 'acked', n)), ...segments(dir).map((n) => path.join(dir, n))];
    const seqs = all.flatMap((f) => seqsOf(readFileSync(f, 'utf8').split('\n').filter(Boolean)));
    expect(seqs).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it('loses no produced event and reuses no seq when the writing process is killed with SIGKILL', async () => {
    const dir = tempDir();
    const produced = new Map<number, string>();
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing/append-forever.ts'), dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const seq = (JSON.parse(line) as { seq: number }).seq;
          // Reported once durable: the same seq must never come back with other content.
          if (produced.has(seq)) expect(line).toBe(produced.get(seq));
          produced.set(seq, line);
        }
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const countBefore = produced.size;
      while (produced.size < countBefore + 50) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      child.kill('SIGKILL');
      await exited;
    }
    const outbox = await Outbox.open(dir);
    const onDisk = (await outbox.read(1, 100_000)).lines;
    expect(seqsOf(onDisk)).toEqual(Array.from({ length: outbox.lastSeq }, (_, i) => i + 1));
    for (const [seq, line] of produced) expect(onDisk[seq - 1]).toBe(line);
    expect(statSync(path.join(dir, segments(dir).at(-1)!)).size).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, 'acked.json.tmp'))).toBe(false);
  }, 30_000);
});
