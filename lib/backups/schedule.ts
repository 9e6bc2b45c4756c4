import type { BackupSchedule } from '../settings/schema.ts';

// When the next scheduled backup is due. Pure: the wall-clock time is read in the schedule's own IANA
// time zone, so "02:30 daily in Europe/Berlin" stays 02:30 local across daylight-saving changes.
//  - A local time skipped by a spring-forward gap runs when the clocks have moved on (02:30 → 03:30).
//  - A local time that occurs twice in an autumn fall-back runs once, at its first occurrence.

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// The wall clock in `timeZone` at `instant`, expressed as if it were UTC (so it can be compared).
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

const offsetAt = (instant: number, timeZone: string) => wallClock(instant, timeZone) - Math.floor(instant / 1000) * 1000;

// The instant at which the local wall clock in `timeZone` shows `wall` (a UTC-encoded wall time).
export function zonedInstant(wall: number, timeZone: string): number {
  // Offsets a day either side cover any single transition near that day.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const matches = [...new Set([before, after])].map((offset) => wall - offset).filter((t) => wallClock(t, timeZone) === wall);
  if (matches.length > 0) return Math.min(...matches);
  return wall - before; // in a gap: the same distance past the transition as the wall time is
}

export function nextRun(schedule: Pick<BackupSchedule, 'frequency' | 'time' | 'weekday' | 'timezone'>, after: Date): Date {
  const [hour, minute] = schedule.time.split(':').map(Number) as [number, number];
  const today = new Date(wallClock(after.getTime(), schedule.timezone));
  // Eight days always contain the next matching weekday, even when today's run has passed.
  for (let day = 0; day <= 8; day++) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + day));
    if (schedule.frequency === 'weekly' && date.getUTCDay() !== schedule.weekday) continue;
    const instant = zonedInstant(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hour, minute), schedule.timezone);
    if (instant > after.getTime()) return new Date(instant);
  }
  throw new Error(`No run found for schedule ${JSON.stringify(schedule)}`); // unreachable for valid schedules
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
