import { describe, expect, it } from 'vitest';
import { sensorStatus, type SensorStatusInput, type SensorStatusSettings } from './status.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const SETTINGS: SensorStatusSettings = { disconnectAfterMs: 5000, clockToleranceMs: 5000, consoleVersion: '1.4.2', outboxBacklog: 1000 };
const sensor = (over: Partial<SensorStatusInput> = {}): SensorStatusInput => ({
  lastHeardAt: new Date(NOW - 1000),
  clockOffsetMs: 0,
  version: '1.2.0',
  counters: { outbox: 0 },
  ...over,
});
const status = (over: Partial<SensorStatusInput> = {}, settings: Partial<SensorStatusSettings> = {}) =>
  sensorStatus(sensor(over), NOW, { ...SETTINGS, ...settings });

describe('sensorStatus', () => {
  it('is Synced when heard on time, clock within tolerance, same major version, small outbox', () => {
    expect(status()).toMatchObject({ connectivity: 'CONNECTED', status: 'SYNCED' });
  });

  it('is Disconnected when never heard from, or silent for longer than the window (exactly the window is still connected)', () => {
    expect(status({ lastHeardAt: null })).toEqual({ connectivity: 'DISCONNECTED', status: 'DISCONNECTED', reason: 'Never heard from.' });
    expect(status({ lastHeardAt: new Date(NOW - 5000) })).toMatchObject({ connectivity: 'CONNECTED' });
    expect(status({ lastHeardAt: new Date(NOW - 5001) })).toMatchObject({
      connectivity: 'DISCONNECTED',
      status: 'DISCONNECTED',
      reason: 'No heartbeat for 5 s (limit 5 s).',
    });
    // The window is a setting.
    expect(status({ lastHeardAt: new Date(NOW - 20_000) }, { disconnectAfterMs: 30_000 })).toMatchObject({ connectivity: 'CONNECTED' });
    // Disconnected wins over every other finding.
    expect(status({ lastHeardAt: new Date(NOW - 60_000), clockOffsetMs: 99_999, version: '9.0.0' })).toMatchObject({
      status: 'DISCONNECTED',
    });
  });

  it('is Time difference when the clock offset exceeds the tolerance either way (equal is fine)', () => {
    expect(status({ clockOffsetMs: 5000 })).toMatchObject({ status: 'SYNCED' });
    expect(status({ clockOffsetMs: -5000 })).toMatchObject({ status: 'SYNCED' });
    expect(status({ clockOffsetMs: 5001 })).toMatchObject({
      status: 'TIME_DIFF_OFFSET',
      reason: "The sensor's clock is 5 s ahead of the console's (tolerance 5 s).",
    });
    expect(status({ clockOffsetMs: -12_300 })).toMatchObject({
      status: 'TIME_DIFF_OFFSET',
      reason: "The sensor's clock is 12.3 s behind the console's (tolerance 5 s).",
    });
    expect(status({ clockOffsetMs: 12_300 }, { clockToleranceMs: 60_000 })).toMatchObject({ status: 'SYNCED' });
    // A time difference is reported before a version mismatch.
    expect(status({ clockOffsetMs: 10_000, version: '2.0.0' })).toMatchObject({ status: 'TIME_DIFF_OFFSET' });
  });

  it('is Out of sync on another major version or an unparseable one', () => {
    expect(status({ version: '1.9.9-beta+7' })).toMatchObject({ status: 'SYNCED' });
    expect(status({ version: '2.0.0' })).toMatchObject({
      status: 'OUT_OF_SYNC',
      reason: "Sensor version 2.0.0 does not match the console's major version (1.4.2).",
    });
    expect(status({ version: '0.9.0' })).toMatchObject({ status: 'OUT_OF_SYNC' });
    expect(status({ version: 'v1.2' })).toMatchObject({ status: 'OUT_OF_SYNC' });
    expect(status({ version: '10.0.0' })).toMatchObject({ status: 'OUT_OF_SYNC' });
  });

  it('is Out of sync when the outbox backlog exceeds the threshold (equal is fine)', () => {
    expect(status({ counters: { outbox: 1000 } })).toMatchObject({ status: 'SYNCED' });
    expect(status({ counters: { outbox: 1001 } })).toMatchObject({
      status: 'OUT_OF_SYNC',
      reason: "1001 events wait in the sensor's outbox (more than 1000).",
    });
    expect(status({ counters: null })).toMatchObject({ status: 'SYNCED' });
  });
});
