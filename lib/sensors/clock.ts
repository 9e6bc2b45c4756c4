import { MAX_CLOCK_DISTANCE_MS } from './protocol.ts';

// A sensor timestamp this far from the console's clock is a broken clock or a forged message, not drift:
// it is refused rather than stored (a year-3000 alert would sort first forever).
export function isAbsurdTime(atMs: number, nowMs: number): boolean {
  return Math.abs(atMs - nowMs) > MAX_CLOCK_DISTANCE_MS;
}

const INT32_MAX = 2_147_483_647;

// Sensor clock minus console clock, clamped to the database column (int4, ±24.8 days): anything beyond
// is shown as a time difference either way, and a clamped value cannot break a batched write.
export function clockOffsetMs(sensorClockMs: number, nowMs: number): number {
  return Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(sensorClockMs - nowMs)));
}
