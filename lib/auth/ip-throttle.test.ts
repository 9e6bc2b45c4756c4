import { describe, expect, it } from 'vitest';
import { IpThrottle } from './ip-throttle.ts';

describe('IpThrottle', () => {
  it('blocks an address after the limit until the oldest failure leaves the window', () => {
    const t = new IpThrottle(3, 60_000);
    for (const at of [0, 10_000, 20_000]) {
      expect(t.retryAfter('a', at)).toBe(0);
      t.recordFailure('a', at);
    }
    expect(t.retryAfter('a', 30_000)).toBe(30_000);
    expect(t.retryAfter('b', 30_000)).toBe(0);
    expect(t.retryAfter('a', 60_001)).toBe(0);
  });
});

describe('sharedThrottle', () => {
  it('keeps one throttle per purpose, reading its limits once', async () => {
    const { sharedThrottle } = await import('./ip-throttle.ts');
    let reads = 0;
    const limits = () => (reads++, { maxFailures: 1, windowMs: 60_000 });
    const a = sharedThrottle('test-purpose', limits);
    a.recordFailure('x', 0);
    expect(sharedThrottle('test-purpose', limits)).toBe(a);
    expect(sharedThrottle('test-purpose', limits).retryAfter('x', 1)).toBe(59_999);
    expect(sharedThrottle('other-purpose', limits)).not.toBe(a);
    expect(reads).toBe(2);
  });
});
