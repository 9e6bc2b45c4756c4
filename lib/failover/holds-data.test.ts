import { describe, expect, it } from 'vitest';
import { holdsPairData } from './holds-data.ts';

describe('holdsPairData', () => {
  it.each([
    ['a secondary receiving its snapshot', 'SECONDARY', 'receiving', false],
    ['a secondary paired a moment ago, nothing received yet', 'SECONDARY', 'none', false],
    ['a secondary with no trusted host row read yet', 'SECONDARY', null, false],
    ['a secondary whose snapshot is in', 'SECONDARY', 'done', true],
    ['a primary sending the snapshot', 'PRIMARY', 'sending', true],
    ['a primary that sent it', 'PRIMARY', 'done', true],
    ['a primary (after a switchover) receiving a fresh snapshot', 'PRIMARY', 'receiving', false],
  ] as const)('%s: %s', (_case, role, state, expected) => {
    expect(holdsPairData(role, state)).toBe(expected);
  });
});
