import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialHashesEqual, hashCredential, newCredential, parseSensorAuthorization } from './credential.ts';

describe('sensor credentials', () => {
  it('are 32 random bytes in base64url, stored as their SHA-256 hex', () => {
    const a = newCredential();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newCredential()).not.toBe(a);
    expect(hashCredential(a)).toBe(createHash('sha256').update(a).digest('hex'));
  });

  it('compares hashes only when both are well-formed', () => {
    const h = hashCredential('x');
    expect(credentialHashesEqual(h, h)).toBe(true);
    expect(credentialHashesEqual(h, hashCredential('y'))).toBe(false);
    expect(credentialHashesEqual(h, h.slice(1))).toBe(false);
    expect(credentialHashesEqual(h.toUpperCase(), h)).toBe(false);
  });

  it('parses "Sensor <uuid>:<credential>" and nothing else', () => {
    const credential = newCredential();
    const id = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
    expect(parseSensorAuthorization(`Sensor ${id}:${credential}`)).toEqual({ sensorId: id.toLowerCase(), credential });
    for (const bad of [
      undefined,
      '',
      `Bearer ${credential}`,
      `Sensor ${id}`,
      `Sensor ${id}:${credential}x`,
      `Sensor ${id}:${credential.slice(1)}`,
      `sensor ${id}:${credential}`,
      `Sensor  ${id}:${credential}`,
      `Sensor not-a-uuid:${credential}`,
    ]) {
      expect(parseSensorAuthorization(bad), String(bad)).toBeNull();
    }
  });
});
