import { describe, expect, it } from 'vitest';
import { expiredBackups } from './retention.ts';

describe('expiredBackups (retention)', () => {
  const row = (day: number, status: string) => ({ id: `${day}`, status, createdAt: new Date(Date.UTC(2026, 0, day)) });

  it('keeps the newest `retain` ready backups and removes everything older', () => {
    const rows = [row(1, 'ready'), row(2, 'failed'), row(3, 'ready'), row(4, 'ready'), row(5, 'failed'), row(6, 'ready')];
    expect(expiredBackups(rows, 2).map((r) => r.id)).toEqual(['3', '2', '1']);
    expect(expiredBackups(rows, 4)).toEqual([]);
    expect(expiredBackups(rows, 1).map((r) => r.id)).toEqual(['5', '4', '3', '2', '1']);
  });

  it('removes nothing while there are fewer ready backups than `retain`', () => {
    expect(expiredBackups([row(1, 'failed'), row(2, 'ready')], 2)).toEqual([]);
  });
});
