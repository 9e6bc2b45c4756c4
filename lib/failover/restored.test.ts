import { describe, expect, it } from 'vitest';
import type { FailoverStatus } from './hook.ts';
import { primaryRestored } from './restored.ts';

const secondaryAfterRestore: FailoverStatus = {
  role: 'SECONDARY',
  mode: 'STANDBY',
  term: 6,
  termKnown: true,
  lease: { held: false, remainingMs: null, by: null },
  votes: { self: 0, peer: 5, registered: 5, confirmed: 0 },
  peer: { term: 6, mode: 'ACTIVE', reachable: true },
  handover: null,
  history: [],
};

describe('"The primary console has been restored"', () => {
  it('is said on the standby secondary whose own latest role change is the step-down, while the primary is active', () => {
    expect(primaryRestored(secondaryAfterRestore, 'ha.step-down')).toBe(true);
  });

  it('is not said by a secondary that was never active, or whose last change was a switchover or learning the term', () => {
    for (const latest of [null, 'ha.switchover', 'ha.term-learned', 'ha.takeover'])
      expect(primaryRestored(secondaryAfterRestore, latest), String(latest)).toBe(false);
  });

  it('is not said while the primary is not active or does not answer, nor by the primary itself', () => {
    const peer = secondaryAfterRestore.peer!;
    expect(primaryRestored({ ...secondaryAfterRestore, peer: { ...peer, mode: 'STANDBY' } }, 'ha.step-down')).toBe(false);
    expect(primaryRestored({ ...secondaryAfterRestore, peer: { ...peer, reachable: false } }, 'ha.step-down')).toBe(false);
    expect(primaryRestored({ ...secondaryAfterRestore, peer: null }, 'ha.step-down')).toBe(false);
    expect(primaryRestored({ ...secondaryAfterRestore, mode: 'ACTIVE' }, 'ha.step-down')).toBe(false);
    expect(primaryRestored({ ...secondaryAfterRestore, role: 'PRIMARY', mode: 'FROZEN' }, 'ha.step-down')).toBe(false);
  });
});
