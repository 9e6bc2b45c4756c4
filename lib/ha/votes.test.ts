import { describe, expect, it } from 'vitest';
import { FAILOVER_TIMERS as T } from './timing.ts';
import { isConfirmed, isFresh, nextVote, type Vote } from './votes.ts';

const W = T.VOTE_FRESH_MS;
const C = T.CONFIRM_MS;

describe('a sensor’s vote', () => {
  it('starts a run on the first heartbeat, without counting yet', () => {
    expect(nextVote(undefined, { echoAt: null, arrival: 100 })).toEqual({ since: 100, last: null, issued: null });
  });

  it('continues the run on the echo of the last stamp issued, counting from the stamp', () => {
    const prev: Vote = { since: 100, last: null, issued: 100 };
    expect(nextVote(prev, { echoAt: 100, arrival: 1100 })).toEqual({ since: 100, last: 100, issued: 100 });
  });

  it.each([
    ['no stamp (the sensor came back from the other console)', null],
    ['an older stamp (an answer was lost)', 50],
    ['a stamp we never issued to it', 12345],
  ])('restarts the run on %s', (_why, echoAt) => {
    const prev: Vote = { since: 100, last: 900, issued: 1000 };
    expect(nextVote(prev, { echoAt, arrival: 2000 })).toEqual({ since: 2000, last: null, issued: 1000 });
  });

  it('is fresh for W after the stamp it echoed, not after its arrival', () => {
    const vote: Vote = { since: 0, last: 1000, issued: 2000 };
    expect(isFresh(vote, 1000 + W - 1, T)).toBe(true);
    expect(isFresh(vote, 1000 + W, T)).toBe(false);
    expect(isFresh({ since: 0, last: null, issued: 0 }, 0, T)).toBe(false);
  });

  it('is confirmed once fresh and unbroken for C', () => {
    const vote: Vote = { since: 0, last: C - 10, issued: C };
    expect(isConfirmed(vote, C - 1, T)).toBe(false);
    expect(isConfirmed(vote, C, T)).toBe(true);
    expect(isConfirmed({ ...vote, last: C - W }, C, T)).toBe(false); // unbroken but stale
  });
});
