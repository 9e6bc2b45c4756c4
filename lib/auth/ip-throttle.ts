import { processSingleton } from '../runtime/process-singleton.ts';

// Per-address limit on failed sign-ins, kept in memory: it protects this process, and a restart only
// gives an attacker the per-account lockout to face instead.
export class IpThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  // Milliseconds until this address may try again, or 0.
  retryAfter(ip: string, now: number): number {
    const recent = this.prune(ip, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[0]! + this.windowMs - now;
  }

  recordFailure(ip: string, now: number): void {
    const recent = this.prune(ip, now);
    recent.push(now);
    this.failures.set(ip, recent);
    if (this.failures.size > 10_000) this.sweep(now);
  }

  private prune(ip: string, now: number): number[] {
    const list = (this.failures.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(ip);
    return list;
  }

  private sweep(now: number): void {
    for (const ip of [...this.failures.keys()]) this.prune(ip, now);
  }
}

// One throttle per purpose per process (see processSingleton); `limits` is read only when it is first made.
export function sharedThrottle(purpose: string, limits: () => { maxFailures: number; windowMs: number }): IpThrottle {
  return processSingleton(`throttle.${purpose}`, () => {
    const { maxFailures, windowMs } = limits();
    return new IpThrottle(maxFailures, windowMs);
  });
}
