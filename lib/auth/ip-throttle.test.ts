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
