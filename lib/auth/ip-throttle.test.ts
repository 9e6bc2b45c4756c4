import { describe, expect, it } from 'vitest';
import { IpThrottle, sharedThrottle } from './ip-throttle.ts';

describe('IpThrottle', () => {
  it('blocks a key after the limit until the oldest failure leaves the window', () => {
    const t = new IpThrottle(3, 60_000);
    for (const at of [0, 10_000, 20_000]) {
      expect(t.retryAfter('a', at)).toBe(0);
      t.recordFailure('a', at);
    }
    expect(t.retryAfter('a', 30_000)).toBe(30_000);
    expect(t.retryAfter('b', 30_000)).toBe(0);
    expect(t.retryAfter('a', 60_001)).toBe(0);
  });

  it('keeps at most maxFailures timestamps per key: later failures extend the wait from the latest ones', () => {
    const t = new IpThrottle(2, 60_000);
    for (const at of [0, 1000, 2000, 3000]) t.recordFailure('a', at);
    // The two latest (2000, 3000) decide: free again once 2000 leaves the window.
    expect(t.retryAfter('a', 3000)).toBe(59_000);
    expect(t.retryAfter('a', 62_001)).toBe(0);
  });

  it('remembers at most maxEntries keys, forgetting the one whose last failure is oldest', () => {
    const t = new IpThrottle(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) t.recordFailure(`k${i}`, i);
    expect(t.size).toBe(100);
    expect(t.retryAfter('k899', 1000)).toBe(0);
    expect(t.retryAfter('k900', 1000)).toBeGreaterThan(0);
    expect(t.retryAfter('k999', 1000)).toBeGreaterThan(0);
    // A new failure on an old key makes it the newest: it survives the next evictions.
    t.recordFailure('k900', 2000);
    for (let i = 1000; i < 1099; i++) t.recordFailure(`k${i}`, 2000);
    expect(t.size).toBe(100);
    expect(t.retryAfter('k900', 2001)).toBeGreaterThan(0);
    expect(t.retryAfter('k901', 2001)).toBe(0);
  });

  it('forgets keys whose failures all left the window', () => {
    const t = new IpThrottle(3, 1000);
    t.recordFailure('a', 0);
    expect(t.size).toBe(1);
    expect(t.retryAfter('a', 5000)).toBe(0);
    expect(t.size).toBe(0);
  });
});

describe('sharedThrottle', () => {
  it('keeps one throttle per purpose, reading its limits once', () => {
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
