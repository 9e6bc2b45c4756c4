// The failover timers (docs/architecture.md, "Timing margins"). All durations are milliseconds of the
// console's own monotonic clock (monoNow()), never wall-clock time: a clock step must not move a lease.
//
// Why the inequalities hold the pair safe. Two monotonic clocks may each run up to ρ fast or slow against
// real time, so d ms on one clock last between d/(1+ρ) and d/(1−ρ) real ms.
//
// - CONFIRM_MS + LEAVE_AFTER_MS ≥ VOTE_FRESH_MS·(1+ρ)/(1−ρ), with the agent's leave rule: a sensor
//   heartbeats another console no sooner than LEAVE_AFTER_MS of ITS clock after the last answer it accepted
//   from the one it leaves, and accepts none from that one meanwhile (sensor/failover.ts). A vote counts at
//   the console left for W of its clock after the stamp echoed: until at most s + W/(1−ρ) real ms, s being
//   when it issued that stamp. The sensor received the stamp at or before its last accepted answer, so its
//   first heartbeat to the other console arrives at s + L/(1+ρ) at the earliest, and that console confirms
//   the sensor C of its clock later: at s + (L + C)/(1+ρ) at the earliest. With (C + L)/(1+ρ) ≥ W/(1−ρ) no
//   sensor is confirmed at both at the same instant (a run of votes never outlives the stay it began in: the
//   stamp is dropped on leaving). 3000·1.05/0.95 − 3000 = 316 ≤ 500 (184 ms left for scheduling); without
//   the rule C alone had to be 3316, and a takeover took ~7 s instead of ~3 s.
// - PROMISE_GRANT_MS ≥ PROMISE_MS·(1+ρ)/(1−ρ). The asker counts the promise for P of its clock from when it
//   SENT the request (at most P/(1−ρ) real ms); the granter received the request after that and refrains for
//   G of its clock (at least G/(1+ρ) real ms). 750·1.05/0.95 = 829 ≤ 875. Short, because when the sensors
//   leave a primary that still runs, the secondary's takeover waits for its last promise to run out (G after
//   the last grant); the asker asks every tick (250 ms), so a promise survives two lost answers.
// - VOTE_FRESH_MS ≥ 2·HEARTBEAT_MS·(1+ρ)/(1−ρ) + BEAT_JITTER_MS + TICK_MS (liveness, not safety). A heartbeat
//   echoes the stamp of the PREVIOUS answer, so when it arrives its freshness is already one interval old,
//   and it must last until the next heartbeat's echo arrives (two intervals after that stamp, on the sensor's
//   clock), plus the delay jitter we tolerate, plus one tick (the lease is renewed on ticks). With the
//   design's W = 1500 and H = 1000 every vote would lapse for ~500 ms each second and the lease would
//   flicker; 2·1000·1.05/0.95 + 500 + 250 = 2961 ≤ 3000.
export type Timers = {
  /** H: sensor heartbeat interval (lib/sensors/timing.ts HEARTBEAT_INTERVAL_MS). */
  readonly HEARTBEAT_MS: number;
  /** M: consecutive failed heartbeats before a sensor fails over. */
  readonly MISSES: number;
  /** A heartbeat with no answer within this is a failure. */
  readonly HEARTBEAT_TIMEOUT: number;
  /** W: a vote counts for this long after the console-issued stamp it echoes. */
  readonly VOTE_FRESH_MS: number;
  /** ρ: worst rate difference of a monotonic clock against real time that we tolerate. */
  readonly CLOCK_RATE: number;
  /** C: a sensor counts (confirmed) after voting for a console without a break for this long. */
  readonly CONFIRM_MS: number;
  /** L: a sensor heartbeats another console no sooner than this (its clock) after the last answer it accepted from the one it leaves. */
  readonly LEAVE_AFTER_MS: number;
  /** P: the peer's promise counts this long from when the asker SENT the request. */
  readonly PROMISE_MS: number;
  /** G: a console that granted a promise takes no lease (and does not promote) before receipt + G. */
  readonly PROMISE_GRANT_MS: number;
  /** How late a heartbeat may arrive against its schedule without its vote lapsing (liveness only). */
  readonly BEAT_JITTER_MS: number;
  /** The failover worker's tick. */
  readonly TICK_MS: number;
  /** A failed-over sensor probes its preferred console this often. */
  readonly PROBE_MS: number;
  /** K: consecutive successful probes before a sensor returns to its preferred console. */
  readonly PROBE_SUCCESSES: number;
};

export const FAILOVER_TIMERS: Timers = Object.freeze({
  HEARTBEAT_MS: 1000,
  MISSES: 3,
  HEARTBEAT_TIMEOUT: 750,
  VOTE_FRESH_MS: 3000,
  CLOCK_RATE: 0.05,
  CONFIRM_MS: 500,
  LEAVE_AFTER_MS: 3000,
  PROMISE_MS: 750,
  PROMISE_GRANT_MS: 875,
  BEAT_JITTER_MS: 500,
  TICK_MS: 250,
  PROBE_MS: 2000,
  PROBE_SUCCESSES: 3,
});

// ρ stretched both ways: what d ms of one clock can amount to on another.
const stretch = (t: Timers) => (1 + t.CLOCK_RATE) / (1 - t.CLOCK_RATE);

// The inequalities above, as sentences naming the numbers that break them. Empty when the timers are sound.
export function checkTimers(t: Timers): string[] {
  const violated: string[] = [];
  const positive: (keyof Timers)[] = ['HEARTBEAT_MS', 'MISSES', 'HEARTBEAT_TIMEOUT', 'VOTE_FRESH_MS', 'CONFIRM_MS'];
  positive.push('LEAVE_AFTER_MS', 'PROMISE_MS', 'PROMISE_GRANT_MS', 'TICK_MS', 'PROBE_MS', 'PROBE_SUCCESSES');
  for (const name of positive) {
    if (!Number.isFinite(t[name]) || t[name] <= 0) violated.push(`${name} > 0 (is ${t[name]})`);
  }
  if (!Number.isFinite(t.BEAT_JITTER_MS) || t.BEAT_JITTER_MS < 0) violated.push(`BEAT_JITTER_MS ≥ 0 (is ${t.BEAT_JITTER_MS})`);
  if (!(t.CLOCK_RATE >= 0 && t.CLOCK_RATE < 1)) {
    violated.push(`0 ≤ CLOCK_RATE < 1 (is ${t.CLOCK_RATE})`);
    return violated; // the ratios below mean nothing
  }
  const confirmFloor = t.VOTE_FRESH_MS * stretch(t) - t.LEAVE_AFTER_MS;
  if (t.CONFIRM_MS < confirmFloor)
    violated.push(`CONFIRM_MS ≥ VOTE_FRESH_MS·(1+ρ)/(1−ρ) − LEAVE_AFTER_MS: ${t.CONFIRM_MS} < ${confirmFloor.toFixed(1)}`);
  const grantFloor = t.PROMISE_MS * stretch(t);
  if (t.PROMISE_GRANT_MS < grantFloor)
    violated.push(`PROMISE_GRANT_MS ≥ PROMISE_MS·(1+ρ)/(1−ρ): ${t.PROMISE_GRANT_MS} < ${grantFloor.toFixed(1)}`);
  const freshFloor = 2 * t.HEARTBEAT_MS * stretch(t) + t.BEAT_JITTER_MS + t.TICK_MS;
  if (t.VOTE_FRESH_MS < freshFloor)
    violated.push(`VOTE_FRESH_MS ≥ 2·HEARTBEAT_MS·(1+ρ)/(1−ρ) + BEAT_JITTER_MS + TICK_MS: ${t.VOTE_FRESH_MS} < ${freshFloor.toFixed(1)}`);
  return violated;
}
