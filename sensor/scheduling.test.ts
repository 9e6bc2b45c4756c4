import { describe, expect, it } from 'vitest';
import { nextDelay } from './backoff.ts';
import { Histogram } from './histogram.ts';
import { TimerWheel, type Clock } from './timer-wheel.ts';

function manualClock(): Clock & { set: (ms: number) => void } {
  let now = 0;
  return { now: () => now, set: (ms) => void (now = ms), setInterval: () => 1, clearInterval: () => {} };
}

describe('heartbeat backoff', () => {
  const policy = { intervalMs: 1000, toleratedFailures: 3, baseMs: 500, capMs: 10_000 };

  it('keeps the normal rhythm for the first failures, then backs off exponentially up to the cap', () => {
    expect([0, 1, 2].map((f) => nextDelay(policy, f, () => 0.5))).toEqual([1000, 1000, 1000]);
    const top = (f: number) => nextDelay(policy, f, () => 0.999999);
    expect([3, 4, 5, 6, 7, 8].map(top)).toEqual([1000, 1000, 2000, 4000, 8000, 10_000]);
    expect(top(50)).toBe(10_000);
  });

  it('spreads retries with jitter, never under the interval nor over the cap', () => {
    const delays = Array.from({ length: 200 }, (_, i) => nextDelay(policy, 7, () => i / 200));
    expect(Math.min(...delays)).toBe(4000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000);
    expect(new Set(delays).size).toBeGreaterThan(100);
    for (let f = 0; f < 40; f++) for (const r of [0, 0.3, 0.99]) expect(nextDelay(policy, f, () => r)).toBeLessThanOrEqual(10_000);
  });
});

describe('the timer wheel', () => {
  it('runs each task once, never early, in due order, catching up after a stall', () => {
    const clock = manualClock();
    const wheel = new TimerWheel(10, 8, clock);
    const ran: string[] = [];
    wheel.schedule(25, () => ran.push('a@25'));
    wheel.schedule(5, () => ran.push('b@5'));
    wheel.schedule(1000, () => ran.push('c@1000'));
    const cancelled = wheel.schedule(15, () => ran.push('cancelled'));
    cancelled.cancel();
    clock.set(9);
    wheel.advance();
    expect(ran).toEqual([]);
    clock.set(10);
    wheel.advance();
    expect(ran).toEqual(['b@5']);
    clock.set(500); // more than a full turn of 8 slots × 10 ms
    wheel.advance();
    expect(ran).toEqual(['b@5', 'a@25']);
    clock.set(999);
    wheel.advance();
    expect(ran).toHaveLength(2);
    clock.set(1000);
    wheel.advance();
    expect(ran).toEqual(['b@5', 'a@25', 'c@1000']);
    expect(wheel.pending).toBe(0);
  });

  it('lets a task schedule its successor, which runs on a later tick', () => {
    const clock = manualClock();
    const wheel = new TimerWheel(10, 16, clock);
    const at: number[] = [];
    const beat = () => {
      at.push(clock.now());
      if (at.length < 5) wheel.schedule(100, beat);
    };
    wheel.schedule(100, beat);
    for (let t = 0; t <= 1000; t += 10) {
      clock.set(t);
      wheel.advance();
    }
    expect(at).toEqual([100, 200, 300, 400, 500]);
  });

  it('keeps running after a task throws', () => {
    const clock = manualClock();
    const errors: unknown[] = [];
    const wheel = new TimerWheel(10, 16, clock, (e) => errors.push(e));
    let ran = false;
    wheel.schedule(10, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, () => void (ran = true));
    clock.set(20);
    wheel.advance();
    expect(errors).toHaveLength(1);
    expect(ran).toBe(true);
  });
});

describe('the latency histogram', () => {
  it('reports quantiles within 2 % and merges across processes', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
    expect(h.quantile(0.5)! / 50).toBeGreaterThanOrEqual(1);
    expect(h.quantile(0.5)! / 50).toBeLessThan(1.021);
    expect(h.quantile(0.99)! / 99).toBeLessThan(1.021);
    const other = new Histogram();
    other.merge(JSON.parse(JSON.stringify(h.toJSON())));
    for (let i = 0; i < 1000; i++) other.record(500);
    expect(other.total).toBe(2000);
    expect(other.quantile(0.99)! / 500).toBeLessThan(1.021);
    expect(other.quantile(0.25)! / 50).toBeLessThan(1.021);
    expect(new Histogram().quantile(0.5)).toBeNull();
  });
});
