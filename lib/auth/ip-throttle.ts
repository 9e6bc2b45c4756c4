import { processSingleton } from '../runtime/process-singleton.ts';

// A limit on failures per key (an address, or an address and what it tried), kept in memory: it
// protects this process, and a restart only gives an attacker the per-account lockout or the
// credential's strength to face instead.
//
// Memory is bounded: at most `maxEntries` keys (the key whose last failure is oldest goes first) and at
// most `maxFailures` timestamps per key (the window only needs the latest ones), so a flood of distinct
// keys costs a fixed amount of memory instead of growing without end.
export type ThrottleLimits = { maxFailures: number; windowMs: number; maxEntries?: number };

export const DEFAULT_MAX_ENTRIES = 10_000;

export class IpThrottle {
  // Insertion order = order of each key's latest failure: the first key is the stalest.
  private failures = new Map<string, number[]>();
  private readonly maxEntries: number;

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    maxEntries = DEFAULT_MAX_ENTRIES,
  ) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  // Milliseconds until this key may try again, or 0.
  retryAfter(key: string, now: number): number {
    const recent = this.prune(key, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures]! + this.windowMs - now;
  }

  recordFailure(key: string, now: number): void {
    const recent = this.prune(key, now);
    recent.push(now);
    if (recent.length > this.maxFailures) recent.splice(0, recent.length - this.maxFailures);
    this.failures.delete(key);
    this.failures.set(key, recent);
    while (this.failures.size > this.maxEntries) this.failures.delete(this.failures.keys().next().value!);
  }

  // How many keys are remembered (for tests and metrics).
  get size(): number {
    return this.failures.size;
  }

  private prune(key: string, now: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const recent = list.filter((t) => t > now - this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else if (recent.length !== list.length) this.failures.set(key, recent);
    return recent;
  }
}

// One throttle per purpose per process (see processSingleton); `limits` is read only when it is first made.
export function sharedThrottle(purpose: string, limits: () => ThrottleLimits): IpThrottle {
  return processSingleton(`throttle.${purpose}`, () => {
    const { maxFailures, windowMs, maxEntries } = limits();
    return new IpThrottle(maxFailures, windowMs, maxEntries);
  });
}
