import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export type RotatingFileOptions = {
  maxBytes?: number;
  keep?: number;
};

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_KEEP = 5;
// Logs may hold usernames and addresses: readable by the service's group (log shipping), not by all.
const FILE_MODE = 0o640;
const DIR_MODE = 0o750;

// A pino destination writing <dir>/<name>.log and rotating it by size to <name>.1.log … <name>.<keep>.log.
// Writes are synchronous: the console logs at modest rates, a record is on disk once the call returns,
// and there is no worker thread, which Next.js server bundles cannot load.
export class RotatingFile {
  readonly #dir: string;
  readonly #name: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  // -1 while closed: opened on first write and again after a rotation, so that a missing or
  // unwritable directory costs log records, never the console's start-up.
  #fd = -1;
  #size = 0;
  #failureReported = false;

  constructor(dir: string, name: string, opts: RotatingFileOptions = {}) {
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#keep = opts.keep ?? DEFAULT_KEEP;
    if (!(this.#maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${this.#maxBytes}`);
    if (!Number.isInteger(this.#keep) || this.#keep < 1) throw new RangeError(`keep must be an integer ≥ 1, got ${this.#keep}`);
    this.#dir = dir;
    this.#name = name;
  }

  #file(generation: number): string {
    return path.join(this.#dir, generation === 0 ? `${this.#name}.log` : `${this.#name}.${generation}.log`);
  }

  #open(): void {
    mkdirSync(this.#dir, { recursive: true, mode: DIR_MODE });
    this.#fd = openSync(this.#file(0), 'a', FILE_MODE);
    this.#size = fstatSync(this.#fd).size;
  }

  // The descriptor is marked closed before the renames: should one fail, the next write reopens
  // rather than writing to a number the process may have reused for another file or socket.
  #rotate(): void {
    closeSync(this.#fd);
    this.#fd = -1;
    rmSync(this.#file(this.#keep), { force: true });
    for (let generation = this.#keep - 1; generation >= 0; generation--) {
      if (existsSync(this.#file(generation))) renameSync(this.#file(generation), this.#file(generation + 1));
    }
  }

  // Rotates before a record that would overflow, so every file stays within maxBytes unless one record
  // alone is larger. Never throws: a full or read-only disk must not turn a log call into a failed
  // request; each outage is reported once on stderr, the one place left to say so.
  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    try {
      if (this.#fd >= 0 && this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
      if (this.#fd < 0) this.#open();
      writeSync(this.#fd, chunk);
      this.#size += bytes;
      this.#failureReported = false;
      return true;
    } catch (error) {
      if (!this.#failureReported) {
        this.#failureReported = true;
        process.stderr.write(`Cannot write log ${this.#file(0)}: ${String(error)}\n`);
      }
      return false;
    }
  }
}
