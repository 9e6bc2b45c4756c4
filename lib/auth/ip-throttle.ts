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

// One throttle per purpose per process. server.ts and the Next.js bundle are separate module graphs in
// one process, so the instance lives on globalThis; `limits` is read only when it is first made.
export function sharedThrottle(purpose: string, limits: () => { maxFailures: number; windowMs: number }): IpThrottle {
  const key = Symbol.for(`otc.throttle.${purpose}`);
  const holder = globalThis as { [key: symbol]: IpThrottle | undefined };
  if (!holder[key]) {
    const { maxFailures, windowMs } = limits();
    holder[key] = new IpThrottle(maxFailures, windowMs);
  }
  return holder[key];
}
