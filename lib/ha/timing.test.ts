import { describe, expect, it } from 'vitest';
import { HEARTBEAT_INTERVAL_MS } from '../sensors/timing.ts';
import { checkTimers, FAILOVER_TIMERS } from './timing.ts';

describe('failover timers', () => {
  it('satisfy every inequality of the design', () => {
    expect(checkTimers(FAILOVER_TIMERS)).toEqual([]);
  });

  it('use the sensors’ heartbeat interval', () => {
    expect(FAILOVER_TIMERS.HEARTBEAT_MS).toBe(HEARTBEAT_INTERVAL_MS);
  });

  it.each([
    [
      'a confirmation that with the leave window is shorter than a vote lasts across clocks',
      { CONFIRM_MS: 300 },
      /^CONFIRM_MS ≥ VOTE_FRESH_MS/,
    ],
    ['a shorter leave window with the same confirmation', { LEAVE_AFTER_MS: 2500 }, /^CONFIRM_MS ≥ VOTE_FRESH_MS/],
    ['no leave window (even with a confirmation long enough alone)', { LEAVE_AFTER_MS: 0, CONFIRM_MS: 3350 }, /^LEAVE_AFTER_MS > 0/],
    ['a grant shorter than the promise across clocks', { PROMISE_GRANT_MS: 800 }, /^PROMISE_GRANT_MS ≥ PROMISE_MS/],
    ['votes that lapse between two heartbeats (the design’s W = 1500)', { VOTE_FRESH_MS: 1500 }, /^VOTE_FRESH_MS ≥ 2·HEARTBEAT_MS/],
    ['a clock rate of 1 or more', { CLOCK_RATE: 1 }, /^0 ≤ CLOCK_RATE < 1/],
    ['a zero tick', { TICK_MS: 0 }, /^TICK_MS > 0/],
  ])('name %s', (_what, change, expected) => {
    const violated = checkTimers({ ...FAILOVER_TIMERS, ...change });
    expect(violated).toHaveLength(1);
    expect(violated[0]).toMatch(expected);
  });

  it('hold exactly at the bound', () => {
    const rho = 0.05;
    const W = 3000;
    const L = 3000;
    const C = (W * (1 + rho)) / (1 - rho) - L;
    expect(checkTimers({ ...FAILOVER_TIMERS, CLOCK_RATE: rho, LEAVE_AFTER_MS: L, CONFIRM_MS: C })).toEqual([]);
    expect(checkTimers({ ...FAILOVER_TIMERS, CLOCK_RATE: rho, LEAVE_AFTER_MS: L, CONFIRM_MS: C - 0.01 })).toHaveLength(1);
  });
});
