import { describe, expect, it } from 'vitest';
import { timezoneSchema } from './schema.ts';

describe('timezoneSchema', () => {
  it.each(['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Calcutta', 'Europe/Kyiv', 'America/Argentina/Buenos_Aires'])(
    'accepts %s',
    (tz) => {
      expect(timezoneSchema.safeParse(tz).success).toBe(true);
    },
  );
  it.each(['', 'Mars/Olympus', '+01:00', 'Europe/Berlin; DROP', 'local', 'utc', 'europe/berlin'])('refuses %j', (tz) => {
    expect(timezoneSchema.safeParse(tz).success).toBe(false);
  });
});
