import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { processSingleton } from '../runtime/process-singleton.ts';

// Console-issued vote stamps: "<bootId>.<at>.<mac>", the MAC an HMAC-SHA256 over bootId|at|sensorId with a
// key that lives only in this process. A sensor can echo a stamp but not forge or advance one, cannot pass
// another sensor's off as its own, and a restarted console (new key, new boot id) counts no vote from before.

export type Stamper = {
  issue: (sensorId: string, at: number) => string;
  verify: (sensorId: string, text: unknown) => number | null;
};

// 16 hex digits, a non-negative integer of at most 16 digits (ms of a monotonic clock), 43 base64url chars.
const STAMP = /^([0-9a-f]{16})\.(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;
export const STAMP_MAX_LENGTH = 16 + 1 + 16 + 1 + 43;

export function createStamper(key: Buffer, bootId: string): Stamper {
  if (!/^[0-9a-f]{16}$/.test(bootId)) throw new Error('boot id must be 16 hex digits');
  if (key.length < 32) throw new Error('stamp key must be at least 32 bytes');
  const mac = (sensorId: string, at: number) => createHmac('sha256', key).update(`${bootId}|${at}|${sensorId}`).digest();
  return {
    issue(sensorId, at) {
      if (!Number.isSafeInteger(at) || at < 0) throw new Error(`stamp time must be a non-negative integer (got ${at})`);
      return `${bootId}.${at}.${mac(sensorId, at).toString('base64url')}`;
    },
    verify(sensorId, text) {
      if (typeof text !== 'string' || text.length > STAMP_MAX_LENGTH) return null;
      const parts = STAMP.exec(text);
      if (!parts || parts[1] !== bootId) return null;
      const at = Number(parts[2]);
      if (!Number.isSafeInteger(at)) return null;
      const given = Buffer.from(parts[3]!, 'base64url');
      const expected = mac(sensorId, at);
      // 43 base64url characters always decode to 32 bytes; the length check keeps timingSafeEqual from throwing.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      // Canonical text only: base64url's last character carries 2 spare bits, a variant would decode the same.
      if (given.toString('base64url') !== parts[3]) return null;
      return at;
    },
  };
}

const processStamper = () => processSingleton('ha.stamper', () => createStamper(randomBytes(32), randomBytes(8).toString('hex')));

export function issueStamp(sensorId: string, at: number): string {
  return processStamper().issue(sensorId, at);
}

// The stamp's issue time when this process issued it to this sensor; null for anything else.
export function verifyStamp(sensorId: string, text: unknown): number | null {
  return processStamper().verify(sensorId, text);
}
