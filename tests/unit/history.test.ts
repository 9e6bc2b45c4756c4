import { describe, expect, it } from 'vitest';
import {
  atMostOneWriter,
  converged,
  eventHash,
  noAcknowledgedEventLost,
  noCommittedSettingLost,
  noDuplicateEvents,
  roleChanges,
  termsOnlyGrow,
  type AckedEvent,
  type SettingWrite,
  type StateSample,
} from '../support/history.ts';

// The fault suite's invariants, each shown to catch a hand-built history that breaks it and to accept
// ones that keep it (including the borderline cases a correct failover produces).

const T = Date.UTC(2026, 11, 2, 8, 0, 0);
const ack = (sensor: string, seq: number, hash = `h${sensor}${seq}`, at = T): AckedEvent => ({ at, sensor, seq, hash, source: 'outbox' });
const row = (sensor: string, seq: number, hash = `h${sensor}${seq}`) => ({ sensor, seq, hash });
const write = (w: Partial<SettingWrite> & Pick<SettingWrite, 'console' | 'startedAt' | 'endedAt' | 'value'>): SettingWrite => ({
  outcome: 'acknowledged',
  key: 'console.name',
  ...w,
});
const sample = (console: string, at: number, mode: StateSample['mode'], term: number): StateSample => ({ at: T + at, console, mode, term });

describe('eventHash', () => {
  it('ignores key order and seq, and sees any change of content', () => {
    const event = { seq: 3, kind: 'alert', at: 1, severity: 'low', title: 'x', protocol: 'modbus', source: 'a', destination: 'b' };
    const reordered = { destination: 'b', source: 'a', protocol: 'modbus', title: 'x', severity: 'low', at: 1, kind: 'alert', seq: 9 };
    expect(eventHash(reordered)).toBe(eventHash(event));
    expect(eventHash({ ...event, title: 'y' })).not.toBe(eventHash(event));
    expect(eventHash({ ...event, details: undefined })).toBe(eventHash(event));
  });
});

describe('noAcknowledgedEventLost', () => {
  it('holds when every acknowledged event is stored as acknowledged, whatever else is stored', () => {
    const history = { events: [ack('s1', 1), ack('s1', 2), ack('s2', 1), ack('s1', 1)] };
    expect(noAcknowledgedEventLost(history, [row('s1', 1), row('s1', 2), row('s1', 3), row('s2', 1)])).toEqual([]);
  });

  it('names an acknowledged event that is missing, one stored with other content, and one acknowledged twice differently', () => {
    const history = { events: [ack('s1', 1), ack('s1', 2), ack('s2', 1), ack('s2', 2, 'a'), ack('s2', 2, 'b')] };
    const violations = noAcknowledgedEventLost(history, [row('s1', 1), row('s2', 1, 'changed'), row('s2', 2, 'a')]);
    expect(violations).toEqual([
      's2 seq 2 was acknowledged twice with different content (a then b)',
      expect.stringMatching(/^s1 seq 2, acknowledged at 08:00:00\.000 \(outbox\), is not stored$/),
      's2 seq 1 is stored with other content than was acknowledged (changed, not hs21)',
    ]);
  });
});

describe('noDuplicateEvents', () => {
  it('holds for distinct events, the same content at two sensors included', () => {
    expect(noDuplicateEvents([row('s1', 1, 'x'), row('s1', 2, 'y'), row('s2', 1, 'x')])).toEqual([]);
  });

  it('names a seq stored twice and content stored under two seqs', () => {
    expect(noDuplicateEvents([row('s1', 1, 'x'), row('s1', 1, 'x'), row('s1', 2, 'y'), row('s1', 5, 'y')])).toEqual([
      's1 stored the same event twice, as seq 2 and seq 5',
      's1 seq 1 is stored 2 times',
    ]);
  });
});

describe('noCommittedSettingLost', () => {
  it('holds when the last acknowledged value is the final one', () => {
    const writes = [
      write({ console: 'A', startedAt: T, endedAt: T + 10, value: 'one' }),
      write({ console: 'A', startedAt: T + 20, endedAt: T + 30, value: 'two' }),
    ];
    expect(noCommittedSettingLost({ writes }, { 'console.name': 'two' })).toEqual([]);
  });

  it('accepts either of two concurrent acknowledged writes, and a later or unknown write', () => {
    const concurrent = [
      write({ console: 'A', startedAt: T, endedAt: T + 50, value: 'x' }),
      write({ console: 'A', startedAt: T + 10, endedAt: T + 20, value: 'y' }),
    ];
    expect(noCommittedSettingLost({ writes: concurrent }, { 'console.name': 'x' })).toEqual([]);
    expect(noCommittedSettingLost({ writes: concurrent }, { 'console.name': 'y' })).toEqual([]);
    // An unknown write may commit at any time after it started, even one that started earlier.
    const unknown = [
      write({ console: 'A', startedAt: T, endedAt: T + 4000, value: 'maybe', outcome: 'unknown' }),
      write({ console: 'A', startedAt: T + 5000, endedAt: T + 5010, value: 'sure' }),
    ];
    expect(noCommittedSettingLost({ writes: unknown }, { 'console.name': 'maybe' })).toEqual([]);
    // Nothing acknowledged: nothing promised.
    expect(
      noCommittedSettingLost({ writes: [write({ console: 'A', startedAt: T, endedAt: T + 1, value: 'z', outcome: 'unknown' })] }, {}),
    ).toEqual([]);
  });

  it('names a lost committed value and a refused write that took effect', () => {
    const writes = [
      write({ console: 'A', startedAt: T, endedAt: T + 10, value: 'one' }),
      write({ console: 'A', startedAt: T + 20, endedAt: T + 30, value: 'two' }),
      write({ console: 'B', startedAt: T + 40, endedAt: T + 50, value: 'three', outcome: 'refused', detail: 'NOT_ACTIVE' }),
    ];
    expect(noCommittedSettingLost({ writes }, { 'console.name': 'one' })).toEqual([
      'committed setting lost: the last acknowledged write was console.name="two" on A [08:00:00.020–08:00:00.030] but console.name ends as "one"',
    ]);
    expect(noCommittedSettingLost({ writes }, { 'console.name': 'three' })).toEqual([
      'committed setting lost: the last acknowledged write was console.name="two" on A [08:00:00.020–08:00:00.030] but console.name ends as "three"',
      'a refused write took effect: console.name ends as console.name="three" on B [08:00:00.040–08:00:00.050] wrote it',
    ]);
    expect(noCommittedSettingLost({ writes }, {})).toEqual([
      'committed setting lost: the last acknowledged write was console.name="two" on A [08:00:00.020–08:00:00.030] but console.name ends as null',
    ]);
  });
});

describe('atMostOneWriter', () => {
  it('holds for a failover: the old console writes in term 1, the new one after it in term 2, refusals and unknowns anywhere', () => {
    const writes = [
      write({ console: 'A', term: 1, startedAt: T, endedAt: T + 100, value: 'a1' }),
      write({ console: 'A', term: 1, startedAt: T + 200, endedAt: T + 5000, value: 'a2', outcome: 'unknown' }),
      write({ console: 'B', startedAt: T + 300, endedAt: T + 400, value: 'b0', outcome: 'refused' }),
      write({ console: 'B', term: 2, startedAt: T + 4000, endedAt: T + 4100, value: 'b1' }),
      write({ console: 'A', term: 1, startedAt: T + 4200, endedAt: T + 4300, value: 'a3', outcome: 'refused' }),
    ];
    const samples = [
      sample('A', 0, 'ACTIVE', 1),
      sample('B', 0, 'STANDBY', 1),
      sample('B', 4000, 'ACTIVE', 2),
      sample('A', 6000, 'FROZEN', 2),
    ];
    expect(atMostOneWriter({ writes, samples })).toEqual([]);
  });

  it('names two writers in one term, a stale writer, overlapping acknowledged writes and two ACTIVE consoles in one term', () => {
    const sameTerm = [
      write({ console: 'A', term: 3, startedAt: T, endedAt: T + 10, value: 'a' }),
      write({ console: 'B', term: 3, startedAt: T + 1000, endedAt: T + 1010, value: 'b' }),
    ];
    expect(atMostOneWriter({ writes: sameTerm, samples: [] })).toEqual([
      'two writers in term 3: console.name="a" on A in term 3 [08:00:00.000–08:00:00.010] and console.name="b" on B in term 3 [08:00:01.000–08:00:01.010]',
    ]);
    const stale = [
      write({ console: 'B', term: 4, startedAt: T, endedAt: T + 10, value: 'b' }),
      write({ console: 'A', term: 3, startedAt: T + 20, endedAt: T + 30, value: 'a' }),
    ];
    expect(atMostOneWriter({ writes: stale, samples: [] })).toEqual([
      'a stale writer: console.name="a" on A in term 3 [08:00:00.020–08:00:00.030] was acknowledged after console.name="b" on B in term 4 [08:00:00.000–08:00:00.010]',
    ]);
    // Without terms (today's consoles report none), overlap is what shows two writers.
    const overlap = [
      write({ console: 'A', startedAt: T, endedAt: T + 100, value: 'a' }),
      write({ console: 'B', startedAt: T + 50, endedAt: T + 150, value: 'b' }),
    ];
    expect(atMostOneWriter({ writes: overlap, samples: [] })).toEqual([
      'acknowledged writes on two consoles overlap: console.name="a" on A [08:00:00.000–08:00:00.100] and console.name="b" on B [08:00:00.050–08:00:00.150]',
    ]);
    const samples = [sample('A', 0, 'ACTIVE', 2), sample('B', 500, 'ACTIVE', 2)];
    expect(atMostOneWriter({ writes: [], samples })).toEqual(['two consoles ACTIVE in term 2: A at 08:00:00.000 and B at 08:00:00.500']);
  });

  it('the same console overlapping itself is one writer', () => {
    const writes = [
      write({ console: 'A', term: 1, startedAt: T, endedAt: T + 100, value: 'a' }),
      write({ console: 'A', term: 1, startedAt: T + 50, endedAt: T + 150, value: 'b' }),
    ];
    expect(atMostOneWriter({ writes, samples: [sample('A', 0, 'ACTIVE', 1), sample('A', 10, 'ACTIVE', 1)] })).toEqual([]);
  });
});

describe('termsOnlyGrow and roleChanges', () => {
  it('accept growing terms per console, whatever the other console holds', () => {
    const samples = [sample('A', 0, 'ACTIVE', 1), sample('B', 1, 'ACTIVE', 2), sample('A', 2, 'FROZEN', 2), sample('A', 3, 'ACTIVE', 3)];
    expect(termsOnlyGrow(samples)).toEqual([]);
  });

  it('name a term that went down, in time order whatever the order recorded', () => {
    const samples = [sample('A', 3000, 'ACTIVE', 1), sample('A', 0, 'ACTIVE', 2), sample('A', 1000, 'ACTIVE', 2)];
    expect(termsOnlyGrow(samples)).toEqual(["A's term went down from 2 (at 08:00:01.000) to 1 (at 08:00:03.000)"]);
  });

  it('list every change of mode or term, and none for a steady console', () => {
    expect(roleChanges([sample('A', 0, 'ACTIVE', 1), sample('A', 1, 'ACTIVE', 1), sample('B', 0, 'STANDBY', 1)])).toEqual([]);
    expect(roleChanges([sample('B', 0, 'STANDBY', 1), sample('B', 1, 'ACTIVE', 2), sample('B', 2, 'ACTIVE', 2)])).toEqual([
      { at: T + 1, console: 'B', from: { mode: 'STANDBY', term: 1 }, to: { mode: 'ACTIVE', term: 2 } },
    ]);
  });
});

describe('converged', () => {
  const d = (rows: number, digest: string | null) => ({ rows, digest });
  it('holds for equal digests', () => {
    expect(converged({ vlan: d(2, 'x'), setting: d(0, null) }, { setting: d(0, null), vlan: d(2, 'x') })).toEqual([]);
  });

  it('names an entity that differs and one digested on one side only', () => {
    expect(converged({ vlan: d(2, 'x'), user: d(1, 'u') }, { vlan: d(3, 'y') })).toEqual([
      'user is digested on the first console only',
      'vlan differs: 2 rows (x) against 3 rows (y)',
    ]);
  });
});
