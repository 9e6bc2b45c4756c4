import { beforeEach, describe, expect, it } from 'vitest';
import { clear, forget, recordBeat, snapshot, votes } from './vote-table.ts';
import { verifyStamp } from './stamp.ts';

describe('the vote table', () => {
  beforeEach(() => clear());

  it('records a vote and hands out a stamp of the arrival time', () => {
    const answer = recordBeat('s1', {}, 1000);
    expect(answer.stamp).not.toBeNull();
    expect(verifyStamp('s1', answer.stamp)).toBe(1000);
    expect(votes()).toEqual([{ since: 1000, last: null, issued: 1000 }]);
  });

  it('continues the run when the sensor echoes the stamp, and restarts it when it does not', () => {
    const first = recordBeat('s1', {}, 1000);
    const second = recordBeat('s1', { stamp: first.stamp! }, 2000);
    expect(votes()).toEqual([{ since: 1000, last: 1000, issued: 2000 }]);
    recordBeat('s1', { stamp: first.stamp! }, 3000); // an old stamp: the answer to `second` was lost
    expect(votes()).toEqual([{ since: 3000, last: null, issued: 3000 }]);
    expect(second.stamp).not.toBeNull();
  });

  it('does not take another sensor’s stamp', () => {
    const other = recordBeat('s2', {}, 1000);
    recordBeat('s1', {}, 1000);
    recordBeat('s1', { stamp: other.stamp! }, 2000);
    expect(votes().find((v) => v.issued === 2000)).toEqual({ since: 2000, last: null, issued: 2000 });
  });

  it('records nothing for a probe', () => {
    expect(recordBeat('s1', { probe: true }, 1000)).toEqual({ stamp: null });
    expect(votes()).toEqual([]);
  });

  it('hands out copies, forgets a sensor, and clears', () => {
    recordBeat('s1', {}, 1000);
    recordBeat('s2', {}, 1000);
    const copy = snapshot();
    copy[0]!.since = -1;
    expect(votes().map((v) => v.since)).toEqual([1000, 1000]);
    forget('s1');
    expect(votes()).toHaveLength(1);
    clear();
    expect(votes()).toEqual([]);
  });
});
