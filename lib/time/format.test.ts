import { describe, expect, it } from 'vitest';
import { formatZonedTime } from './format.ts';

describe('formatZonedTime', () => {
  const winter = Date.UTC(2026, 0, 15, 12, 0, 5);
  const summer = Date.UTC(2026, 6, 15, 23, 30, 0);

  it('shows UTC with a zero offset', () => {
    expect(formatZonedTime(winter, 'UTC')).toEqual({ date: '2026-01-15', time: '12:00:05', offset: 'UTC+00:00', timeZone: 'UTC' });
  });

  it('applies the zone offset, daylight saving time included', () => {
    expect(formatZonedTime(winter, 'Europe/Berlin')).toMatchObject({ date: '2026-01-15', time: '13:00:05', offset: 'UTC+01:00' });
    // 23:30 UTC in July is already the next day in Berlin (UTC+2).
    expect(formatZonedTime(summer, 'Europe/Berlin')).toMatchObject({ date: '2026-07-16', time: '01:30:00', offset: 'UTC+02:00' });
  });

  it('handles half-hour and negative offsets', () => {
    expect(formatZonedTime(winter, 'Asia/Kolkata')).toMatchObject({ time: '17:30:05', offset: 'UTC+05:30' });
    expect(formatZonedTime(winter, 'America/New_York')).toMatchObject({ date: '2026-01-15', time: '07:00:05', offset: 'UTC-05:00' });
  });

  it('uses a 24-hour clock', () => expect(formatZonedTime(Date.UTC(2026, 0, 15, 0, 7, 0), 'UTC').time).toBe('00:07:00'));

  it('falls back to UTC for a zone the runtime does not know', () => {
    expect(formatZonedTime(winter, 'Mars/Olympus_Mons')).toEqual({
      date: '2026-01-15',
      time: '12:00:05',
      offset: 'UTC+00:00',
      timeZone: 'UTC',
    });
  });
});
