import { describe, expect, it } from 'vitest';
import { emptyCategoryReason } from './empty-categories.ts';

describe('emptyCategoryReason', () => {
  it('says high availability is not configured on a standalone console', () => {
    expect(emptyCategoryReason('ha', { standalone: true })).toBe(
      'no ha.log: high availability is not configured on this console (it is standalone), so nothing is logged in this category.',
    );
  });

  it('does not blame the configuration on a paired console with no ha.log', () => {
    expect(emptyCategoryReason('ha', { standalone: false })).toBe(
      'no ha.log: no entries were logged in this category on this console (the file is created with its first entry).',
    );
  });

  it('points configuration to the audit log, where configuration changes are recorded', () => {
    expect(emptyCategoryReason('configuration', { standalone: true })).toContain(
      'configuration changes are recorded in the audit category',
    );
  });
});
