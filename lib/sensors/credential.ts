import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// A sensor's credential: 32 random bytes, base64url (43 characters). The console keeps only its SHA-256:
// a 256-bit random secret cannot be guessed from its hash, so no slow hash is needed on the hot path.
export function newCredential(): string {
  return randomBytes(32).toString('base64url');
}

export function hashCredential(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

// Constant-time over the hashes, so response timing says nothing about how much of a guess was right.
export function credentialHashesEqual(a: string, b: string): boolean {
  if (!HEX_SHA256.test(a) || !HEX_SHA256.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

const SENSOR_AUTHORIZATION = /^Sensor ([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):([A-Za-z0-9_-]{43})$/;

// "Authorization: Sensor <sensorId>:<credential>" → its parts (the id lower-cased, as PostgreSQL prints
// UUIDs), or null when the header is missing or not of that form.
export function parseSensorAuthorization(header: string | undefined): { sensorId: string; credential: string } | null {
  const match = header ? SENSOR_AUTHORIZATION.exec(header) : null;
  if (!match) return null;
  return { sensorId: match[1]!.toLowerCase(), credential: match[2]! };
}
