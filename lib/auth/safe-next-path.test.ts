import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-next-path.ts';

describe('safeNextPath', () => {
  it.each([
    ['/\\evil.example'],
    ['/%09/evil.example'],
    ['/\t/evil.example'],
    ['/\\t/evil'],
    ['//evil.example'],
    ['///evil.example'],
    ['/%2F%2Fevil'],
    ['/%2f/evil'],
    ['/%5Cevil.example'],
    ['/%0a/evil'],
    ['/ /evil'],
    ['https://evil'],
    // Dot segments that normalise to a protocol-relative path.
    ['/.//evil.example'],
    ['/a/..//evil.example'],
    ['/%2e//evil.example'],
    ['/..//evil.example'],
    ['https:/evil'],
    ['javascript:alert(1)'],
    ['evil.example'],
    [''],
    ['/%E0%A4%A'],
    [null],
    [undefined],
  ])('refuses %j', (raw) => expect(safeNextPath(raw)).toBe('/'));

  it.each([
    ['/', '/'],
    ['/sensors', '/sensors'],
    ['/system-settings/users?tab=1', '/system-settings/users?tab=1'],
    ['/alerts#latest', '/alerts#latest'],
    ['/system-settings/../sensors', '/sensors'],
  ])('follows %j to %j', (raw, expected) => expect(safeNextPath(raw)).toBe(expected));
});
