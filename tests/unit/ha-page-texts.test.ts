import { describe, expect, it } from 'vitest';
import { ago, haSummary, percentOf, snapshotText, unpairCommands } from '../../components/ha/texts.ts';
import type { HaStatusView } from '../../lib/replication/status.ts';

const base: HaStatusView = {
  configuredRole: 'STANDALONE',
  state: 'ACTIVE',
  term: '1',
  peer: null,
  outgoing: null,
  incoming: null,
  snapshot: null,
};
const peer = (over: Partial<NonNullable<HaStatusView['peer']>>): NonNullable<HaStatusView['peer']> => ({
  domain: 'b.plant.example',
  address: '10.0.0.2:443',
  peerPort: 9443,
  fingerprint: 'AA:BB',
  role: 'SECONDARY',
  status: 'PENDING',
  appliedAt: null,
  lastContactAt: null,
  ...over,
});

describe('the High Availability summary', () => {
  it('names where this console stands in every state of a pair', () => {
    expect(haSummary({ status: base })).toBe('This console is standalone: it is not paired with another console.');
    expect(haSummary({ status: { ...base, configuredRole: 'PRIMARY' } })).toBe(
      'This console trusts no host but is still configured as primary: apply to make it standalone.',
    );
    expect(haSummary({ status: { ...base, peer: peer({}) } })).toBe(
      'Pairing with b.plant.example is pending: apply it to make b.plant.example the secondary of this console.',
    );
    expect(haSummary({ status: { ...base, peer: peer({ role: 'PRIMARY', domain: 'a.plant.example' }) } })).toBe(
      'This console is the pending secondary of a.plant.example: the pair takes effect when it is applied on the primary.',
    );
    expect(haSummary({ status: { ...base, configuredRole: 'PRIMARY', peer: peer({ status: 'PAIRED' }) } })).toBe(
      'This console is the primary; b.plant.example is its secondary.',
    );
    expect(
      haSummary({
        status: { ...base, configuredRole: 'SECONDARY', peer: peer({ role: 'PRIMARY', domain: 'a.plant.example', status: 'UNREACHABLE' }) },
      }),
    ).toBe('This console is the secondary of a.plant.example, the primary. a.plant.example is unreachable at the moment.');
  });
});

describe('snapshot progress', () => {
  it('shows rows of total and the percentage while sending or receiving, 100% once done', () => {
    expect(snapshotText({ state: 'sending', rows: 1234, total: 5000, at: null }, 'b')).toEqual({
      text: 'Sending snapshot to b: 1,234 of 5,000 rows (24%)',
      percent: 24,
    });
    expect(snapshotText({ state: 'receiving', rows: 0, total: 0, at: null }, 'a')).toEqual({
      text: 'Receiving snapshot from a: 0 of 0 rows (0%)',
      percent: 0,
    });
    expect(snapshotText({ state: 'done', rows: 5000, total: 5000, at: '2026-12-02T00:00:00.000Z' }, 'b')).toEqual({
      text: 'Snapshot complete: 5,000 rows (100%).',
      percent: 100,
    });
  });

  it('never passes 100%, and an empty snapshot that is done is complete', () => {
    expect(percentOf(7, 5, false)).toBe(100);
    expect(percentOf(0, 0, true)).toBe(100);
    expect(percentOf(4, 5, false)).toBe(80);
  });
});

describe('small texts', () => {
  it('ages read in the unit a person expects', () => {
    expect(ago(null)).toBe('never');
    expect(ago(3)).toBe('3 s ago');
    expect(ago(600)).toBe('10 min ago');
    expect(ago(3 * 3600 + 5)).toBe('3 h ago');
  });

  it('the other console is told to remove this one by its domain, then apply', () => {
    expect(unpairCommands('a.plant.example')).toBe(
      'sudo cyberx-management-trusted-hosts-remove -d a.plant.example\nsudo cyberx-management-trusted-hosts-apply',
    );
  });
});
