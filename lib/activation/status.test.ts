import { describe, expect, it } from 'vitest';
import { uploadRefusal } from './eligibility.ts';
import { activationBanners } from './status.ts';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T12:00:00Z');
const expiringIn = (ms: number) => ({ expiresAt: new Date(NOW.getTime() + ms), committedDevices: 100 });
const codes = (activation: { expiresAt: Date; committedDevices: number } | null, monitoredDevices = 0) =>
  activationBanners({ activation, monitoredDevices, now: NOW }).map((b) => b.code);

describe('activation banners', () => {
  it('nothing 31 days before expiry; a warning from 30 days; an error from the moment it expires', () => {
    expect(codes(expiringIn(31 * DAY))).toEqual([]);
    expect(codes(expiringIn(30 * DAY + 1))).toEqual([]);
    expect(activationBanners({ activation: expiringIn(30 * DAY), monitoredDevices: 0, now: NOW })).toEqual([
      {
        code: 'EXPIRING',
        tone: 'warning',
        message:
          'The activation expires on 2025-07-01, in 30 days. Ask your vendor for a renewed activation file and upload it before then.',
      },
    ]);
    expect(activationBanners({ activation: expiringIn(1), monitoredDevices: 0, now: NOW })[0]!.message).toContain('in 1 day.');
    const expired = activationBanners({ activation: expiringIn(0), monitoredDevices: 0, now: NOW });
    expect(expired).toEqual([
      {
        code: 'EXPIRED',
        tone: 'error',
        message: 'The activation expired on 2025-06-01. Upload a renewed activation file from your vendor.',
      },
    ]);
    expect(codes(expiringIn(-90 * DAY))).toEqual(['EXPIRED']);
  });

  it('warns when more devices are monitored than committed, not when equal', () => {
    expect(codes(expiringIn(365 * DAY), 100)).toEqual([]);
    const over = activationBanners({ activation: expiringIn(365 * DAY), monitoredDevices: 101, now: NOW });
    expect(over).toEqual([
      {
        code: 'OVER_COMMITTED',
        tone: 'warning',
        message:
          '101 devices are monitored but the activation covers 100. Ask your vendor for an activation file with more committed devices.',
      },
    ]);
    expect(codes(expiringIn(-DAY), 150)).toEqual(['EXPIRED', 'OVER_COMMITTED']);
  });

  it('says when there is no activation at all', () => {
    expect(codes(null, 5)).toEqual(['NOT_ACTIVATED']);
  });
});

describe('who may take an upload', () => {
  it('a standalone or primary console while active', () => {
    expect(uploadRefusal({ configuredRole: 'STANDALONE', state: 'ACTIVE' })).toBeNull();
    expect(uploadRefusal({ configuredRole: 'PRIMARY', state: 'ACTIVE' })).toBeNull();
  });

  it('not a secondary, which is told to use the primary', () => {
    expect(uploadRefusal({ configuredRole: 'SECONDARY', state: 'ACTIVE' }, 'https://10.0.0.1')).toEqual({
      ok: false,
      code: 'SECONDARY_CONSOLE',
      message:
        'This console is the secondary of a high-availability pair, so it does not take activation files. Upload the activation file on the primary console at https://10.0.0.1; it is replicated here.',
    });
    expect(uploadRefusal({ configuredRole: 'SECONDARY', state: 'STANDBY' })?.message).toContain(
      'on the primary console; it is replicated here.',
    );
  });

  it('not a frozen primary', () => {
    expect(uploadRefusal({ configuredRole: 'PRIMARY', state: 'FROZEN' })).toMatchObject({
      code: 'NOT_ACTIVE',
      message: expect.stringContaining('frozen because its secondary has taken over'),
    });
  });
});
