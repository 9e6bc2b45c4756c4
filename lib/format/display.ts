// Display helpers shared by server pages and client components (backups, log exports), so both render
// the same text.

// UTC on purpose: the same text on the server and in the browser, and what file names and logs use.
export function formatUtc(time: string | Date): string {
  const iso = typeof time === 'string' ? time : time.toISOString();
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
