// One hashed timer wheel (Varghese & Lauck) driven by a single interval timer, instead of one Node timer
// per simulated sensor: at 10,000 sensors with a heartbeat, a producer and a sender each, that is one
// timer instead of 30,000 re-armed ones. Resolution is one tick; tasks never run early.
export type Task = () => void;
export type Scheduled = { cancel: () => void };
export type Clock = { now: () => number; setInterval: (fn: () => void, ms: number) => unknown; clearInterval: (handle: unknown) => void };

type Entry = { due: number; task: Task; cancelled: boolean };

const realClock: Clock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class TimerWheel {
  private readonly slots: Entry[][];
  private tick: number;
  private handle: unknown = null;
  private size = 0;

  constructor(
    private readonly tickMs = 10,
    slotCount = 1024,
    private readonly clock: Clock = realClock,
    private readonly onError: (error: unknown) => void = (error) => process.stderr.write(`timer task failed: ${String(error)}\n`),
  ) {
    this.slots = Array.from({ length: slotCount }, () => []);
    this.tick = Math.floor(clock.now() / tickMs);
  }

  get pending(): number {
    return this.size;
  }

  schedule(delayMs: number, task: Task): Scheduled {
    const due = Math.max(this.tick + 1, Math.ceil((this.clock.now() + Math.max(0, delayMs)) / this.tickMs));
    const entry: Entry = { due, task, cancelled: false };
    this.slots[due % this.slots.length]!.push(entry);
    this.size++;
    return { cancel: () => void (entry.cancelled = true) };
  }

  start(): void {
    if (this.handle === null) this.handle = this.clock.setInterval(() => this.advance(), this.tickMs);
  }

  stop(): void {
    if (this.handle !== null) this.clock.clearInterval(this.handle);
    this.handle = null;
  }

  // Runs every task due up to now, in tick order (a late interval catches up on the ticks it missed).
  advance(): void {
    const target = Math.floor(this.clock.now() / this.tickMs);
    // After a long stall (debugger, SIGSTOP) a full turn of the wheel visits every slot once.
    const from = Math.max(this.tick + 1, target - this.slots.length + 1);
    for (let t = from; t <= target; t++) {
      // Tasks scheduled by the tasks below land after this tick, still within this catch-up if due.
      this.tick = t;
      const slot = this.slots[t % this.slots.length]!;
      if (slot.length === 0) continue;
      const keep: Entry[] = [];
      const run: Entry[] = [];
      for (const entry of slot) {
        if (entry.cancelled) this.size--;
        else if (entry.due <= target) run.push(entry);
        else keep.push(entry);
      }
      this.slots[t % this.slots.length] = keep;
      for (const entry of run) {
        this.size--;
        try {
          entry.task();
        } catch (error) {
          this.onError(error);
        }
      }
    }
    if (target > this.tick) this.tick = target;
  }
}
