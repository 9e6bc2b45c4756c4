import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDeviceReports, planBatch } from './ingest-plan.ts';
import type { SensorEventInput } from './protocol.ts';

const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ seq: from + i }));

describe('planBatch (protocol v1 order rule)', () => {
  it('takes a batch that starts right after ackedSeq whole', () => {
    expect(planBatch(0, batch(1, 3))).toEqual({ ok: true, fresh: batch(1, 3), duplicates: 0, ackedSeq: 3 });
    expect(planBatch(10, batch(11, 1))).toEqual({ ok: true, fresh: batch(11, 1), duplicates: 0, ackedSeq: 11 });
  });

  it('skips replays: a batch wholly at or below ackedSeq stores nothing and acknowledges ackedSeq', () => {
    expect(planBatch(5, batch(1, 5))).toEqual({ ok: true, fresh: [], duplicates: 5, ackedSeq: 5 });
    expect(planBatch(5, batch(2, 2))).toEqual({ ok: true, fresh: [], duplicates: 2, ackedSeq: 5 });
  });

  it('stores only the part of an overlapping batch beyond ackedSeq', () => {
    expect(planBatch(5, batch(3, 6))).toEqual({ ok: true, fresh: batch(6, 3), duplicates: 3, ackedSeq: 8 });
  });

  it('refuses a batch that starts beyond ackedSeq + 1, naming the seq it expects', () => {
    expect(planBatch(0, batch(2, 3))).toEqual({
      ok: false,
      code: 'SEQ_GAP',
      expected: 1,
      message: 'expected seq 1: this console has stored every event up to 0. Resend from 1.',
    });
    expect(planBatch(7, batch(9, 1))).toMatchObject({ ok: false, expected: 8 });
  });

  it('for any ackedSeq and consecutive batch: stored seqs stay exactly 1..ackedSeq', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: 1, max: 1100 }), fc.integer({ min: 1, max: 500 }), (acked, from, count) => {
        const plan = planBatch(acked, batch(from, count));
        if (from > acked + 1) {
          expect(plan).toMatchObject({ ok: false, expected: acked + 1 });
          return;
        }
        if (!plan.ok) throw new Error('refused a batch that starts within reach');
        // New seqs continue exactly after ackedSeq, without gaps, and the new ackedSeq is the last of them.
        plan.fresh.forEach((e, i) => expect(e.seq).toBe(acked + 1 + i));
        expect(plan.ackedSeq).toBe(Math.max(acked, from + count - 1));
        expect(plan.fresh.length + plan.duplicates).toBe(count);
      }),
    );
  });
});

describe('mergeDeviceReports', () => {
  const device = (
    seq: number,
    key: string,
    at: number,
    extra: Partial<Extract<SensorEventInput, { kind: 'device' }>> = {},
  ): SensorEventInput => ({ seq, kind: 'device', at, key, protocol: 'modbus', ...extra });

  it('keeps one row per key: latest details win, missing details keep earlier ones, times span all reports; alerts are ignored', () => {
    const rows = mergeDeviceReports([
      device(1, 'a', 300, { vendor: 'Siemens', ip: '10.0.0.1' }),
      { seq: 2, kind: 'alert', at: 1, severity: 'low', title: 't', protocol: 'modbus', source: 's', destination: 'd' },
      device(3, 'b', 200),
      device(4, 'a', 100, { protocol: 's7', ip: '10.0.0.2' }),
    ]);
    expect(rows).toEqual([
      { key: 'a', protocol: 's7', vendor: 'Siemens', ip: '10.0.0.2', firstSeen: 100, lastSeen: 300 },
      { key: 'b', protocol: 'modbus', vendor: null, ip: null, firstSeen: 200, lastSeen: 200 },
    ]);
  });
});
