import { describe, expect, it } from 'vitest';
import { isRetryableConflict, retryOnConflict } from './retry.ts';

const deadlock = () => new Error('Raw query failed. Code: `40P01`. Message: `deadlock detected`');

describe('retryOnConflict', () => {
  it('runs the work again after a deadlock or a serialization failure, and returns its result', async () => {
    const failures = [deadlock(), Object.assign(new Error('Transaction failed'), { meta: { code: '40001' } })];
    let calls = 0;
    const result = await retryOnConflict(async () => {
      calls++;
      const next = failures.shift();
      if (next) throw next;
      return 'applied';
    });
    expect(result).toBe('applied');
    expect(calls).toBe(3);
  });

  it('throws the last conflict after the attempts run out', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw deadlock();
      }, 2),
    ).rejects.toThrow(/deadlock detected/);
    expect(calls).toBe(2);
  });

  it('does not retry any other error', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new Error('invalid input syntax for type uuid');
      }),
    ).rejects.toThrow(/invalid input/);
    expect(calls).toBe(1);
    expect(isRetryableConflict('40P01')).toBe(false); // not an Error: never a conflict
  });
});
