// Formats an instant as the console shows it in a time zone: "2026-01-15 13:00:00" plus "UTC+01:00".
// Pure and free of Node imports, so the ticking clock in the browser uses exactly this code. A zone the
// runtime does not know falls back to UTC (and says so) rather than throwing in the middle of a page.
export type ZonedTime = { date: string; time: string; offset: string; timeZone: string };

export function formatZonedTime(at: Date | number, timeZone: string): ZonedTime {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
  } catch {
    if (timeZone === 'UTC') throw new Error('this runtime does not know UTC');
    return formatZonedTime(at, 'UTC');
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  // "GMT+01:00", or plain "GMT" at offset zero.
  const gmt = parts.timeZoneName ?? 'GMT';
  const offset = gmt === 'GMT' ? 'UTC+00:00' : gmt.replace(/^GMT/, 'UTC');
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    offset,
    timeZone,
  };
}
