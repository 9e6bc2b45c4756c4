import { describe, expect, it } from 'vitest';
import { sensorEvent } from '../lib/sensors/protocol.ts';
import { createTraffic } from './traffic.ts';

const run = (seed: string, n: number) => {
  const t = createTraffic(seed);
  return Array.from({ length: n }, (_, i) => t.next(1_700_000_000_000 + i * 1000));
};

describe('simulated OT traffic', () => {
  it('is reproducible per seed and differs between sensors', () => {
    expect(run('sensor-a', 50)).toEqual(run('sensor-a', 50));
    expect(run('sensor-a', 50)).not.toEqual(run('sensor-b', 50));
  });

  it('produces only events the protocol accepts', () => {
    for (const seed of ['a', 'b', 'c', 'plant-7']) {
      run(seed, 400).forEach((event, i) => {
        const parsed = sensorEvent.safeParse({ seq: i + 1, ...event });
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      });
    }
  });

  it('reports the plant first, then tells Modbus, S7 and DNP3 stories with device changes', () => {
    const traffic = createTraffic('story');
    const devices = traffic.devices().length;
    const events = Array.from({ length: 3000 }, (_, i) => traffic.next(i));
    expect(events.slice(0, devices).every((e) => e.kind === 'device')).toBe(true);
    const titles = new Set(
      events.flatMap((e) =>
        e.kind === 'alert' ? [e.title.replace(/register \d+/, 'register N').replace(/from \S+ to \S+/, 'from A to B')] : [],
      ),
    );
    for (const expected of [
      'Unauthorized Modbus write to holding register N',
      'S7 PLC stop command from engineering workstation',
      'DNP3 cold restart request',
      'Unknown device appeared on the control network',
    ]) {
      expect(titles).toContain(expected);
    }
    expect([...titles].some((t) => /firmware changed from A to B/.test(t))).toBe(true);
    const keys = events.filter((e) => e.kind === 'device').map((e) => (e.kind === 'device' ? e.key : ''));
    expect(keys.every((k) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(k))).toBe(true);
    // Discovered devices grow as unknown devices appear.
    expect(traffic.devices().length).toBeGreaterThan(devices);
    const severities = new Set(events.flatMap((e) => (e.kind === 'alert' ? [e.severity] : [])));
    expect(severities).toEqual(new Set(['low', 'medium', 'high', 'critical']));
  });

  it('counts packets in proportion to time', () => {
    const t = createTraffic('p');
    expect(t.packets(2000)).toBe(2 * t.packets(1000));
    expect(t.packets(1000)).toBeGreaterThanOrEqual(200);
  });
});
