import { describe, expect, it } from 'vitest';
import {
  activeConsole,
  changeText,
  countsText,
  leaseText,
  majorityOf,
  peerVotesText,
  selfVotesText,
  switchoverUnavailable,
  termText,
} from '../../components/ha/failover-texts.ts';
import type { FailoverStatus } from '../../lib/failover/hook.ts';

const PEER = 'otc-b.plant.test';
const activePrimary: FailoverStatus = {
  role: 'PRIMARY',
  mode: 'ACTIVE',
  term: 4,
  termKnown: true,
  lease: { held: true, remainingMs: 1320, by: 'votes' },
  votes: { self: 3, peer: 2, registered: 5, confirmed: 3 },
  peer: { term: 4, mode: 'STANDBY', reachable: true },
  handover: null,
  history: [],
};
const standbySecondary: FailoverStatus = {
  ...activePrimary,
  role: 'SECONDARY',
  mode: 'STANDBY',
  lease: { held: false, remainingMs: null, by: null },
  votes: { self: 2, peer: 3, registered: 5, confirmed: 1 },
  peer: { term: 4, mode: 'ACTIVE', reachable: true },
};

describe('who is active', () => {
  it('is this console, the peer, or neither, as this console knows it', () => {
    expect(activeConsole(activePrimary, PEER)).toEqual({ who: 'self', text: 'This console' });
    expect(activeConsole({ ...activePrimary, handover: { since: 1 } }, PEER).text).toBe(
      `This console, handing over to ${PEER}: writes are stopped until it has taken over`,
    );
    expect(activeConsole(standbySecondary, PEER)).toEqual({ who: 'peer', text: PEER, stale: false });
    expect(activeConsole({ ...standbySecondary, peer: { term: 4, mode: 'ACTIVE', reachable: false } }, PEER)).toMatchObject({
      who: 'peer',
      stale: true,
    });
    const neither = { ...standbySecondary, peer: { term: 4, mode: 'FROZEN' as const, reachable: true } };
    expect(activeConsole(neither, PEER)).toEqual({ who: 'none', text: 'Neither console is active at the moment' });
    expect(activeConsole({ ...neither, termKnown: false }, PEER).text).toMatch(/learning the current term/);
  });
});

describe('the write lease', () => {
  it('says why it is held', () => {
    expect(leaseText(activePrimary)).toBe(
      'Held: 3 of 5 sensors vote for this console, at least half (1.3 s left, renewed as votes arrive)',
    );
    expect(leaseText({ ...activePrimary, lease: { held: true, remainingMs: 900, by: 'promise' } })).toBe(
      'Held: the peer promised not to take over (0.9 s left, renewed while it answers)',
    );
    expect(leaseText({ ...activePrimary, lease: { held: true, remainingMs: null, by: 'no-sensors' } })).toBe(
      'Held: no sensors are registered, so none can vote for the other console',
    );
  });

  it('says why it is not held', () => {
    expect(leaseText(standbySecondary)).toBe('Not held: this console is standby, not active');
    expect(leaseText({ ...standbySecondary, mode: 'FROZEN' })).toBe('Not held: this console is frozen, not active');
    const noLease = { ...activePrimary, lease: { held: false, remainingMs: null, by: null } };
    expect(leaseText({ ...noLease, handover: { since: 1 } })).toBe('Not held: writes are stopped for the switchover to the peer');
    expect(leaseText({ ...noLease, termKnown: false })).toBe('Not held: this console is still learning the current term');
    expect(leaseText({ ...noLease, votes: { ...noLease.votes, self: 1 } })).toMatch(
      /^Not held: only 1 of 5 sensors vote for this console, fewer than half/,
    );
  });
});

describe('term and votes', () => {
  it('says when the term is not confirmed yet', () => {
    expect(termText(activePrimary)).toBe('4');
    expect(termText({ ...activePrimary, termKnown: false })).toBe('4 (not confirmed yet: learning the current term)');
  });

  it('counts the votes for each console, and for one that is not active what a takeover needs', () => {
    expect(majorityOf(5)).toBe(3);
    expect(majorityOf(4)).toBe(3);
    expect(majorityOf(1)).toBe(1);
    expect(selfVotesText(activePrimary)).toBe('3 of 5 sensors');
    expect(selfVotesText(standbySecondary)).toBe('2 of 5 sensors; 1 for the whole confirmation time (a takeover needs 3)');
    expect(selfVotesText({ ...activePrimary, votes: { self: 1, peer: 0, registered: 1, confirmed: 1 } })).toBe('1 of 1 sensor');
    expect(peerVotesText(standbySecondary)).toBe('3 of 5 sensors');
    expect(peerVotesText({ ...standbySecondary, peer: { term: 4, mode: 'ACTIVE', reachable: false } })).toBe(
      '3 of 5 sensors (when it last answered)',
    );
    expect(peerVotesText({ ...standbySecondary, votes: { ...standbySecondary.votes, peer: null } })).toMatch(/^Not known/);
  });
});

describe('the planned switchover', () => {
  it('is offered only on the active console, with the peer answering and no switchover under way', () => {
    expect(switchoverUnavailable(activePrimary, PEER)).toBeNull();
    expect(switchoverUnavailable(standbySecondary, PEER)).toBe(
      `Only the active console hands over its role: ${PEER} is active, so a switchover is started there.`,
    );
    expect(switchoverUnavailable({ ...standbySecondary, peer: null }, PEER)).toBe(
      'Only the active console hands over its role, and this console is not active.',
    );
    expect(switchoverUnavailable({ ...activePrimary, handover: { since: 1 } }, PEER)).toBe(`A switchover to ${PEER} is under way.`);
    expect(switchoverUnavailable({ ...activePrimary, peer: { term: 4, mode: 'STANDBY', reachable: false } }, PEER)).toBe(
      `${PEER} does not answer, so it cannot take over.`,
    );
  });
});

describe('a role change on the timeline', () => {
  it('names the modes in the words of the page, and shows what it does not know as written', () => {
    expect(changeText({ from: 'STANDBY', to: 'ACTIVE' })).toBe('Standby → Active');
    expect(changeText({ from: 'ACTIVE', to: 'FROZEN' })).toBe('Active → Frozen');
    expect(changeText({ from: 'PRIMARY/ACTIVE', to: null })).toBe('PRIMARY/ACTIVE → —');
    expect(changeText({ from: null, to: null })).toBe('—');
  });

  it('gives the vote counts recorded with it', () => {
    expect(countsText({ fresh: 3, confirmed: 3, registered: 5 })).toBe('3 voting, 3 confirmed of 5 registered');
    expect(countsText({ fresh: 3, confirmed: null, registered: 5 })).toBe('3 voting of 5 registered');
    expect(countsText({ fresh: null, confirmed: null, registered: 5 })).toBe('5 registered');
    expect(countsText({ fresh: 3, confirmed: 3, registered: null })).toBeNull();
  });
});
