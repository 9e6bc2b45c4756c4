import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStamper, issueStamp, STAMP_MAX_LENGTH, verifyStamp } from './stamp.ts';

describe('vote stamps', () => {
  it('round-trip: the sensor it was issued to gets the issue time back', () => {
    const stamp = issueStamp('sensor-a', 123456);
    expect(stamp.length).toBeLessThanOrEqual(STAMP_MAX_LENGTH);
    expect(verifyStamp('sensor-a', stamp)).toBe(123456);
    expect(verifyStamp('sensor-a', issueStamp('sensor-a', 0))).toBe(0);
  });

  it('refuse another sensor’s stamp', () => {
    expect(verifyStamp('sensor-b', issueStamp('sensor-a', 5000))).toBeNull();
  });

  it('refuse an altered time or mac', () => {
    const stamp = issueStamp('sensor-a', 5000);
    const [boot, , mac] = stamp.split('.') as [string, string, string];
    expect(verifyStamp('sensor-a', `${boot}.5001.${mac}`)).toBeNull();
    const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    expect(verifyStamp('sensor-a', `${boot}.5000.${flipped}`)).toBeNull();
    // The same 32 bytes written another way (the last base64url character carries spare bits).
    const last = mac.at(-1)!;
    const variant = mac.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) ^ 1);
    expect(verifyStamp('sensor-a', `${boot}.5000.${variant}`)).toBeNull();
  });

  it('refuse a stamp of another boot', () => {
    const otherBoot = createStamper(randomBytes(32), randomBytes(8).toString('hex'));
    expect(verifyStamp('sensor-a', otherBoot.issue('sensor-a', 5000))).toBeNull();
    // Even with the same key, another boot id is not this process.
    const key = randomBytes(32);
    const one = createStamper(key, '0123456789abcdef');
    const two = createStamper(key, 'fedcba9876543210');
    expect(one.verify('sensor-a', one.issue('sensor-a', 7))).toBe(7);
    expect(two.verify('sensor-a', one.issue('sensor-a', 7))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
    ['two parts', 'abc.def'],
    ['a negative time', `${'0'.repeat(16)}.-1.${'A'.repeat(43)}`],
    ['a leading zero', `${'0'.repeat(16)}.01.${'A'.repeat(43)}`],
    ['a fractional time', `${'0'.repeat(16)}.1.5.${'A'.repeat(43)}`],
    ['too long', 'a'.repeat(STAMP_MAX_LENGTH + 1)],
    ['spaces around', ` ${issueStamp('sensor-a', 1)} `],
    ['an unsafe integer', `${'0'.repeat(16)}.9999999999999999.${'A'.repeat(43)}`],
  ])('refuse garbage: %s', (_what, text) => {
    expect(verifyStamp('sensor-a', text)).toBeNull();
  });

  it('are issued only for a whole non-negative time', () => {
    expect(() => issueStamp('sensor-a', 1.5)).toThrow();
    expect(() => issueStamp('sensor-a', -1)).toThrow();
  });
});
