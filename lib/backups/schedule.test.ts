import { describe, expect, it } from 'vitest';
import { nextRun } from './schedule.ts';

const daily = (time: string, timezone = 'UTC') => ({ frequency: 'daily' as const, time, weekday: 0, timezone });
const weekly = (weekday: number, time: string, timezone = 'UTC') => ({ frequency: 'weekly' as const, time, weekday, timezone });
const at = (iso: string) => new Date(iso);
const next = (schedule: Parameters<typeof nextRun>[0], after: string) => nextRun(schedule, at(after)).toISOString();

describe('nextRun, daily', () => {
  it('is later today when the time has not come yet, else tomorrow', () => {
    expect(next(daily('02:00'), '2026-05-10T01:59:00.000Z')).toBe('2026-05-10T02:00:00.000Z');
    expect(next(daily('02:00'), '2026-05-10T02:00:00.000Z')).toBe('2026-05-11T02:00:00.000Z');
    expect(next(daily('02:00'), '2026-05-10T13:00:00.000Z')).toBe('2026-05-11T02:00:00.000Z');
  });

  it('crosses month and year ends', () => {
    expect(next(daily('00:00'), '2026-12-31T23:59:59.999Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next(daily('23:59'), '2028-02-28T23:59:00.000Z')).toBe('2028-02-29T23:59:00.000Z');
  });

  it('reads the time in the schedule’s time zone, including a date that differs from UTC', () => {
    // 01:00 in Tokyo (UTC+9) is 16:00 UTC the day before.
    expect(next(daily('01:00', 'Asia/Tokyo'), '2026-05-10T12:00:00.000Z')).toBe('2026-05-10T16:00:00.000Z');
    expect(next(daily('01:00', 'Asia/Tokyo'), '2026-05-10T16:00:00.000Z')).toBe('2026-05-11T16:00:00.000Z');
    // 22:30 in New York (UTC-4 in summer) is 02:30 UTC the next day.
    expect(next(daily('22:30', 'America/New_York'), '2026-07-01T00:00:00.000Z')).toBe('2026-07-01T02:30:00.000Z');
    // A half-hour zone.
    expect(next(daily('09:00', 'Asia/Kolkata'), '2026-07-01T00:00:00.000Z')).toBe('2026-07-01T03:30:00.000Z');
  });
});

describe('nextRun, weekly', () => {
  // 2026-05-10 is a Sunday.
  it('waits for the chosen weekday', () => {
    expect(next(weekly(3, '04:15'), '2026-05-10T10:00:00.000Z')).toBe('2026-05-13T04:15:00.000Z'); // Wednesday
    expect(next(weekly(0, '04:15'), '2026-05-10T04:00:00.000Z')).toBe('2026-05-10T04:15:00.000Z'); // today
  });

  it('is a full week later when this week’s run has just passed', () => {
    expect(next(weekly(0, '04:15'), '2026-05-10T04:15:00.000Z')).toBe('2026-05-17T04:15:00.000Z');
    expect(next(weekly(6, '23:00'), '2026-05-16T23:30:00.000Z')).toBe('2026-05-23T23:00:00.000Z');
  });

  it('uses the weekday in the schedule’s zone, not in UTC', () => {
    // Monday 01:00 in Tokyo is Sunday 16:00 UTC.
    expect(next(weekly(1, '01:00', 'Asia/Tokyo'), '2026-05-10T00:00:00.000Z')).toBe('2026-05-10T16:00:00.000Z');
  });
});

describe('nextRun across daylight-saving changes (Europe/Berlin)', () => {
  const berlin = (time: string) => daily(time, 'Europe/Berlin');

  it('keeps the local time when the offset changes in spring (UTC+1 → UTC+2 on 2026-03-29)', () => {
    expect(next(berlin('12:00'), '2026-03-28T12:00:00.000Z')).toBe('2026-03-29T10:00:00.000Z');
    expect(next(berlin('12:00'), '2026-03-27T12:00:00.000Z')).toBe('2026-03-28T11:00:00.000Z');
  });

  it('runs a time skipped by the spring-forward gap once, when the clocks have moved on', () => {
    // 02:30 does not exist on 2026-03-29 (02:00 CET jumps to 03:00 CEST): run at 03:30 CEST = 01:30 UTC.
    expect(next(berlin('02:30'), '2026-03-28T02:00:00.000Z')).toBe('2026-03-29T01:30:00.000Z');
    expect(next(berlin('02:30'), '2026-03-29T01:30:00.000Z')).toBe('2026-03-30T00:30:00.000Z');
  });

  it('runs a time that happens twice in autumn only once, at its first occurrence', () => {
    // On 2026-10-25, 03:00 CEST falls back to 02:00 CET: 02:30 happens at 00:30 UTC and again at 01:30 UTC.
    expect(next(berlin('02:30'), '2026-10-24T12:00:00.000Z')).toBe('2026-10-25T00:30:00.000Z');
    expect(next(berlin('02:30'), '2026-10-25T00:30:00.000Z')).toBe('2026-10-26T01:30:00.000Z');
    expect(next(berlin('02:30'), '2026-10-25T01:00:00.000Z')).toBe('2026-10-26T01:30:00.000Z');
  });

  it('handles a weekly run on the day of the change', () => {
    // Sunday 2026-03-29 at 09:00 CEST = 07:00 UTC; the Sunday before it was 08:00 UTC.
    const sunday = weekly(0, '09:00', 'Europe/Berlin');
    expect(next(sunday, '2026-03-22T07:00:00.000Z')).toBe('2026-03-22T08:00:00.000Z');
    expect(next(sunday, '2026-03-22T08:00:00.000Z')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('follows southern-hemisphere changes too (Australia/Sydney falls back on 2026-04-05)', () => {
    // 02:30 AEDT (UTC+11) happens at 15:30 UTC on 04-04; the next day it is AEST (UTC+10).
    expect(next(daily('02:30', 'Australia/Sydney'), '2026-04-04T12:00:00.000Z')).toBe('2026-04-04T15:30:00.000Z');
    expect(next(daily('12:00', 'Australia/Sydney'), '2026-04-05T00:00:00.000Z')).toBe('2026-04-05T02:00:00.000Z');
  });
});
