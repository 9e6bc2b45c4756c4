import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sensorEvent, type SensorEventInput } from '../lib/sensors/protocol.ts';
import type { NewEvent } from './traffic.ts';

// The sensor's durable outbox ("the sensor is the buffer", docs/architecture.md). An event counts as produced only
// once it is on disk, fsynced, with its seq; it stays there until the console acknowledges it.
//
// On disk, in <dir>:
//   seg-<first seq, 12 digits>.jsonl  append-only segments, one event per line, exactly the JSON the
//                                     console receives; seqs run without gaps across segments
//   acked.json                        {"ackedSeq": n}: the console stores 1..n; replaced atomically
//   acked/                            fully acknowledged segments, kept only with `keepAcked` (tests, audits)
//
// Crash safety. A kill (or power loss) during an append can leave a torn last line in the last segment: it
// was never fsynced, so it never counted as produced and was never sent; opening the outbox drops it and its
// seq goes to the next event — the protocol forbids gaps, and nobody outside this file ever saw the torn one.
// Every complete event keeps its seq forever: the newest segment is never deleted, and the pointer is written
// before any segment is, so the next seq is max(last seq on disk, ackedSeq) + 1 even after acknowledged
// segments are gone. The pointer's rename is not followed by a directory fsync: after a power loss an older
// pointer only makes the sensor resend events the console already has, and it skips those.

export const SEGMENT_MAX_BYTES = 64 * 1024;
// A fully acknowledged segment this large is closed at the next append so its space is given back soon.
const ROLL_ACKED_BYTES = 4 * 1024;
const SEGMENT_RE = /^seg-(\d{12})\.jsonl$/;
const POINTER = 'acked.json';

export class OutboxCorruptError extends Error {}
// The console asked for events the outbox no longer holds (it acknowledged them earlier, then lost them).
export class OutboxGapError extends Error {}

export type OutboxOptions = {
  keepAcked?: boolean;
  // Events kept in memory for the sender (the rest is read back from disk when needed).
  cacheMax?: number;
  segmentMaxBytes?: number;
  onWarning?: (message: string) => void;
};

type Segment = { firstSeq: number; lastSeq: number; bytes: number; file: string };
type Waiting = { event: NewEvent; resolve: (e: SensorEventInput) => void; reject: (error: unknown) => void };
export type Batch = { firstSeq: number; lines: string[] };

const segmentName = (firstSeq: number) => `seg-${String(firstSeq).padStart(12, '0')}.jsonl`;

async function fsyncPath(target: string): Promise<void> {
  const fh = await open(target, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: import('node:fs/promises').FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await fh.write(buffer, offset, buffer.length - offset);
    if (bytesWritten <= 0) throw new Error('the disk accepted no bytes');
    offset += bytesWritten;
  }
}

export class Outbox {
  private queue: Waiting[] = [];
  private flushQueued = false;
  private chain: Promise<unknown> = Promise.resolve();
  private cacheFirst = 0;
  private cache: string[] = [];
  private readonly cacheMax: number;
  private readonly segmentMaxBytes: number;

  private constructor(
    readonly dir: string,
    private segments: Segment[],
    private acked: number,
    private last: number,
    private readonly options: OutboxOptions,
  ) {
    this.cacheMax = options.cacheMax ?? 500;
    this.segmentMaxBytes = options.segmentMaxBytes ?? SEGMENT_MAX_BYTES;
  }

  get ackedSeq(): number {
    return this.acked;
  }
  get lastSeq(): number {
    return this.last;
  }
  get pending(): number {
    return this.last - this.acked;
  }

  static async open(dir: string, options: OutboxOptions = {}): Promise<Outbox> {
    await mkdir(dir, { recursive: true });
    const warn = options.onWarning ?? (() => {});
    await unlink(path.join(dir, `${POINTER}.tmp`)).catch(() => undefined);
    const acked = await readPointer(dir);

    const names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    const segments: Segment[] = [];
    for (let i = 0; i < names.length; i++) {
      const file = path.join(dir, names[i]!);
      const isLast = i === names.length - 1;
      const firstSeq = Number(SEGMENT_RE.exec(names[i]!)![1]);
      const scanned = scanSegment(await readFile(file), firstSeq);
      if (scanned.problem) {
        // Only the very end of the newest segment can be torn by a crash; anything else is damage.
        if (!isLast)
          throw new OutboxCorruptError(
            `The sensor outbox is damaged: ${file}, after seq ${scanned.lastSeq}: ${scanned.problem}. Move the outbox away to start over (its unsent events are then lost).`,
          );
        const fh = await open(file, 'r+');
        try {
          await fh.truncate(scanned.goodBytes);
          await fh.sync();
        } finally {
          await fh.close();
        }
        warn(
          `dropped ${scanned.droppedBytes} bytes of an event that was being written when the sensor stopped (${scanned.problem}); it had not been produced yet`,
        );
      }
      if (scanned.goodBytes === 0) {
        await unlink(file);
        continue;
      }
      const previous = segments.at(-1);
      // A jump is fine only over acknowledged seqs (the console reported more than this outbox held).
      const jumpedOverAcked = previous && previous.lastSeq <= acked && firstSeq <= acked + 1;
      if (previous && firstSeq !== previous.lastSeq + 1 && !jumpedOverAcked) {
        throw new OutboxCorruptError(
          `The sensor outbox is damaged: ${file} starts at seq ${firstSeq} but the previous segment ends at ${previous.lastSeq}.`,
        );
      }
      segments.push({ firstSeq, lastSeq: scanned.lastSeq, bytes: scanned.goodBytes, file });
    }
    if (segments.length && segments[0]!.firstSeq > acked + 1) {
      throw new OutboxCorruptError(
        `The sensor outbox is damaged: events ${acked + 1}..${segments[0]!.firstSeq - 1} are missing (the console has acknowledged up to ${acked}).`,
      );
    }
    const last = Math.max(acked, segments.at(-1)?.lastSeq ?? 0);
    const outbox = new Outbox(dir, segments, acked, last, options);
    // A crash between writing the pointer and removing segments leaves some behind.
    await outbox.removeAckedSegments();
    return outbox;
  }

  // Resolves once the event is durable, with the seq it was given. Events appended together share one
  // write and one fsync (group commit).
  append(event: NewEvent): Promise<SensorEventInput> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.serial(() => this.flush());
      }
    });
  }

  // Up to `max` events from `fromSeq` on, as the JSON lines the console receives.
  async read(fromSeq: number, max: number): Promise<Batch> {
    const cached = this.fromCache(fromSeq, max);
    if (cached) return cached;
    return this.serial(() => this.readFromDisk(fromSeq, max));
  }

  // The console stores 1..seq. Returns whether the pointer moved.
  ack(seq: number): Promise<boolean> {
    return this.serial(async () => {
      if (seq <= this.acked) return false;
      if (seq > this.last) {
        // The console knows more events of this sensor than this outbox ever produced (a re-registered
        // sensor, or an outbox moved away): continue after them, or new events would be taken for replays.
        this.options.onWarning?.(
          `the console already stores events up to seq ${seq}, beyond this outbox's ${this.last}; continuing from ${seq + 1}`,
        );
        this.last = seq;
      }
      this.acked = seq;
      await writePointer(this.dir, seq);
      const drop = Math.min(this.cache.length, Math.max(0, seq - this.cacheFirst + 1));
      this.cache.splice(0, drop);
      this.cacheFirst += drop;
      await this.removeAckedSegments();
      return true;
    });
  }

  // Waits for every queued append and acknowledgement.
  async settle(): Promise<void> {
    while (this.queue.length || this.flushQueued) await this.serial(async () => {});
    await this.serial(async () => {});
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(op);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const items = this.queue.splice(0);
    if (items.length === 0) return;
    const firstSeq = this.last + 1;
    const accepted: { item: Waiting; event: SensorEventInput; line: string }[] = [];
    for (const item of items) {
      const parsed = sensorEvent.safeParse({ seq: firstSeq + accepted.length, ...item.event });
      if (!parsed.success) {
        // A bad event would block the outbox forever (the console refuses its batch): never write one.
        item.reject(new Error(`not a valid protocol event: ${parsed.error.issues[0]?.message}`));
        continue;
      }
      accepted.push({ item, event: parsed.data, line: JSON.stringify(parsed.data) });
    }
    if (accepted.length === 0) return;
    try {
      await this.writeLines(
        firstSeq,
        accepted.map((a) => a.line),
      );
    } catch (error) {
      for (const a of accepted) a.item.reject(error);
      return;
    }
    const wasEmpty = this.last === this.acked;
    this.last += accepted.length;
    for (const a of accepted) {
      const seq = a.event.seq;
      if (this.cache.length === 0 ? wasEmpty && seq === firstSeq : this.cacheFirst + this.cache.length === seq) {
        if (this.cache.length === 0) this.cacheFirst = seq;
        if (this.cache.length < this.cacheMax) this.cache.push(a.line);
      }
    }
    for (const a of accepted) a.item.resolve(a.event);
  }

  private async writeLines(firstSeq: number, lines: string[]): Promise<void> {
    const buffer = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    let segment = this.segments.at(-1);
    const roll =
      !segment ||
      (segment.bytes > 0 && segment.bytes + buffer.length > this.segmentMaxBytes) ||
      (segment.lastSeq <= this.acked && segment.bytes >= ROLL_ACKED_BYTES) ||
      segment.lastSeq !== firstSeq - 1;
    if (roll) segment = { firstSeq, lastSeq: firstSeq - 1, bytes: 0, file: path.join(this.dir, segmentName(firstSeq)) };
    const fh = await open(segment!.file, 'a', 0o600);
    try {
      await writeAll(fh, buffer);
      await fh.sync();
    } catch (error) {
      // Leave no partial line behind for the next append to follow.
      await fh.truncate(segment!.bytes).catch(() => undefined);
      throw error;
    } finally {
      await fh.close();
    }
    if (roll) {
      // The new file's directory entry must survive a power loss too.
      await fsyncPath(this.dir);
      this.segments.push(segment!);
    }
    segment!.lastSeq += lines.length;
    segment!.bytes += buffer.length;
    if (roll) await this.removeAckedSegments();
  }

  private fromCache(fromSeq: number, max: number): Batch | null {
    if (fromSeq > this.last) return { firstSeq: fromSeq, lines: [] };
    const offset = fromSeq - this.cacheFirst;
    if (this.cache.length === 0 || offset < 0 || offset >= this.cache.length) return null;
    const lines = this.cache.slice(offset, offset + max);
    // A short slice while more events wait on disk: read a full batch instead.
    if (lines.length < max && fromSeq + lines.length <= this.last) return null;
    return { firstSeq: fromSeq, lines };
  }

  private async readFromDisk(fromSeq: number, max: number): Promise<Batch> {
    const cached = this.fromCache(fromSeq, max);
    if (cached) return cached;
    const start = this.segments.findIndex((s) => s.firstSeq <= fromSeq && fromSeq <= s.lastSeq);
    if (start === -1) {
      throw new OutboxGapError(
        `events from seq ${fromSeq} are no longer in the outbox (the console acknowledged them earlier; the oldest kept is ${this.segments[0]?.firstSeq ?? this.last + 1})`,
      );
    }
    const want = Math.max(max, this.cacheMax);
    const lines: string[] = [];
    let next = fromSeq;
    for (const segment of this.segments.slice(start)) {
      if (segment.firstSeq > next) break;
      const all = (await readFile(segment.file)).subarray(0, segment.bytes).toString('utf8').split('\n');
      for (let i = next - segment.firstSeq; i <= segment.lastSeq - segment.firstSeq && lines.length < want; i++) lines.push(all[i]!);
      next = fromSeq + lines.length;
      if (lines.length >= want) break;
    }
    this.cacheFirst = fromSeq;
    this.cache = lines.slice(0, this.cacheMax);
    return { firstSeq: fromSeq, lines: lines.slice(0, max) };
  }

  private async removeAckedSegments(): Promise<void> {
    // The newest segment stays: it carries the last seq even if the pointer were lost.
    while (this.segments.length > 1 && this.segments[0]!.lastSeq <= this.acked) {
      const segment = this.segments.shift()!;
      if (this.options.keepAcked) {
        await mkdir(path.join(this.dir, 'acked'), { recursive: true });
        await rename(segment.file, path.join(this.dir, 'acked', path.basename(segment.file)));
      } else {
        await unlink(segment.file);
      }
    }
  }
}

async function readPointer(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path.join(dir, POINTER), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const value = (() => {
    try {
      return (JSON.parse(text) as { ackedSeq?: unknown }).ackedSeq;
    } catch {
      return undefined;
    }
  })();
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new OutboxCorruptError(`The sensor outbox is damaged: ${path.join(dir, POINTER)} does not hold an acknowledged seq.`);
  }
  return value;
}

async function writePointer(dir: string, seq: number): Promise<void> {
  const tmp = path.join(dir, `${POINTER}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await writeAll(fh, Buffer.from(JSON.stringify({ ackedSeq: seq })));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path.join(dir, POINTER));
}

type Scan = { lastSeq: number; goodBytes: number; droppedBytes: number; problem: string | null };

// The longest run of complete, valid, consecutive events at the start of a segment.
function scanSegment(buffer: Buffer, firstSeq: number): Scan {
  let offset = 0;
  let expected = firstSeq;
  while (offset < buffer.length) {
    const end = buffer.indexOf(0x0a, offset);
    const stop = (problem: string): Scan => ({ lastSeq: expected - 1, goodBytes: offset, droppedBytes: buffer.length - offset, problem });
    if (end === -1) return stop('an incomplete last line');
    let value: unknown;
    try {
      value = JSON.parse(buffer.subarray(offset, end).toString('utf8'));
    } catch {
      return stop('a line that is not JSON');
    }
    const parsed = sensorEvent.safeParse(value);
    if (!parsed.success) return stop('a line that is not a protocol event');
    if (parsed.data.seq !== expected) return stop(`seq ${parsed.data.seq} where ${expected} was expected`);
    expected++;
    offset = end + 1;
  }
  return { lastSeq: expected - 1, goodBytes: offset, droppedBytes: 0, problem: null };
}
