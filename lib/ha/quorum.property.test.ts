import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate, type SimParams } from './testing/pair-sim.ts';
import { FAILOVER_TIMERS, type Timers } from './timing.ts';

const rho = FAILOVER_TIMERS.CLOCK_RATE;
// Clock rates at the extremes as often as in between: the inequalities are tight there.
const rate = fc.oneof(fc.constantFrom(1 - rho, 1 + rho, 1), fc.double({ min: 1 - rho, max: 1 + rho, noNaN: true }));

// Seeds for which the weakened checks below find a split brain (at runs 68 and 116 of 1000).
const SEEDS = { noLeaveRule: 11, shortLeave: 11 };

const hostile: fc.Arbitrary<SimParams> = fc.record({
  seed: fc.integer(),
  sensors: fc.integer({ min: 1, max: 9 }),
  rates: fc.tuple(rate, rate),
  offsets: fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 })),
  durationMs: fc.constant(40_000),
  lossRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  maxDelayMs: fc.integer({ min: 0, max: 1500 }),
  longDelayRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
  longDelayMs: fc.integer({ min: 0, max: 10_000 }),
  switchEveryMs: fc.integer({ min: 300, max: 20_000 }),
  beats: fc.constantFrom('regular' as const, 'random' as const),
  restartRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
  stallRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
  handoverRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  peerDownRate: fc.double({ min: 0, max: 1, noNaN: true }),
  sensorLinkDownRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

// Thousands of simulated minutes: more than vitest's default 5 s on a busy two-core machine.
describe('two consoles and their sensors under random schedules', { timeout: 120_000 }, () => {
  it('never hold two leases at once, never share a term as ACTIVE, and never lower a term', () => {
    let promotions = 0;
    let switchovers = 0;
    let leaseMs = 0;
    fc.assert(
      fc.property(hostile, (params) => {
        const report = simulate(params, FAILOVER_TIMERS);
        promotions += report.promotions;
        switchovers += report.switchovers;
        leaseMs += report.leaseMs[0]! + report.leaseMs[1]!;
        expect(report.violations).toEqual([]);
      }),
      { numRuns: 1000 },
    );
    // The schedules did exercise the machine: consoles took over and held leases.
    expect(promotions).toBeGreaterThan(300);
    expect(switchovers).toBeGreaterThan(300);
    expect(leaseMs).toBeGreaterThan(1000 * 5_000);
  });

  // The checks can fail: without the agent's leave rule, or with C below its bound, the same schedules find
  // two leases at once. Fixed seeds, so that they fail every time rather than now and then; no shrinking:
  // finding it is the point.
  it.each([
    ['without the leave rule, C = 500', { noLeaveRule: true }, {}, SEEDS.noLeaveRule],
    ['with a leave window too short for C = 500 (L = 2000: C + L = 2500 < 3316)', {}, { LEAVE_AFTER_MS: 2000 }, SEEDS.shortLeave],
  ] as const)('finds the split brain %s', (_case, params, timers, seed) => {
    const weak: Timers = { ...FAILOVER_TIMERS, ...timers };
    const outcome = fc.check(
      fc.property(hostile, (drawn) => simulate({ ...drawn, ...params }, weak).violations.length === 0),
      { numRuns: 1000, seed, endOnFailure: true },
    );
    expect(outcome.failed).toBe(true);
    expect(outcome.counterexample?.[0]).toBeDefined();
  });

  it('with every link up and every sensor on one console, that console ends up ACTIVE and keeps the lease', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          sensors: fc.integer({ min: 1, max: 9 }),
          rates: fc.tuple(rate, rate),
          offsets: fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 })),
          on: fc.constantFrom(0, 1),
        }),
        ({ on, ...rest }) => {
          const params: SimParams = {
            ...rest,
            durationMs: 30_000,
            lossRate: 0,
            maxDelayMs: 50,
            longDelayRate: 0,
            longDelayMs: 0,
            switchEveryMs: 1e9,
            beats: 'regular',
            restartRate: 0,
            stallRate: 0,
            handoverRate: 0,
            peerDownRate: 0,
            sensorLinkDownRate: 0,
          };
          const report = simulate(params, FAILOVER_TIMERS, { allOn: on });
          expect(report.violations).toEqual([]);
          expect(report.final[on]!.mode).toBe('ACTIVE');
          expect(report.final[1 - on]!.mode).not.toBe('ACTIVE');
          expect(report.finalHeld[on]).toBe(true);
          // Held without a gap for the last 20 s: votes do not lapse between two heartbeats.
          expect(report.lastUnheldAt[on]).toBeLessThan(10_000);
        },
      ),
      { numRuns: 100 },
    );
  });
});
