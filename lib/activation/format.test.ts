import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activationKeyId, parseVendorPublicKey, readPayloadUnverified, signActivation, verifyActivation } from './format.ts';
import { ACTIVATION_MAX_BYTES, oversizedMessage, type ActivationPayload } from './schema.ts';

function vendor() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const ours = vendor();
const theirs = vendor();
const PAYLOAD: ActivationPayload = {
  version: 1,
  subscriptions: ['SUB-1001', 'SUB-1002'],
  committedDevices: 500,
  issuedOn: '2025-01-01',
  expiresOn: '2026-01-01',
  customer: 'Acme Water',
};
const NOW = new Date('2025-06-15T12:00:00Z');

type Envelope = { format: string; keyId: string; payload: string; signature: string };
const envelopeOf = (text: string) => JSON.parse(text) as Envelope;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// A file whose signature is genuine but whose payload is whatever the test wants (a vendor bug).
function signRaw(payloadJson: string, privatePem: string, publicKey: KeyObject): string {
  const payload = b64(payloadJson);
  const signature = sign(null, Buffer.from(payload, 'ascii'), privatePem).toString('base64');
  return JSON.stringify({ format: 'otc-activation/1', keyId: activationKeyId(publicKey), payload, signature });
}

const verifyOurs = (file: string | Uint8Array, now = NOW) => verifyActivation(file, ours.publicKey, now);

describe('a valid activation file', () => {
  const text = signActivation(PAYLOAD, ours.privatePem);

  it('verifies against the vendor key and yields its fields', () => {
    const result = verifyOurs(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.activation).toMatchObject({
      subscriptions: ['SUB-1001', 'SUB-1002'],
      committedDevices: 500,
      issuedOn: '2025-01-01',
      expiresOn: '2026-01-01',
      customer: 'Acme Water',
      keyId: activationKeyId(ours.publicKey),
      fileText: text,
    });
    expect(result.activation.issuedAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(result.activation.expiresAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(result.activation.fileSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies the same from bytes, and re-indenting the JSON envelope does not matter (the signature covers the base64)', () => {
    expect(verifyOurs(new TextEncoder().encode(text)).ok).toBe(true);
    expect(verifyOurs(JSON.stringify(envelopeOf(text))).ok).toBe(true);
    expect(verifyOurs(`\uFEFF${text}`).ok).toBe(true);
  });

  it('is valid from 00:00 UTC on its issue date until 00:00 UTC on its expiry date', () => {
    expect(verifyOurs(text, new Date('2025-01-01T00:00:00.000Z')).ok).toBe(true);
    expect(verifyOurs(text, new Date('2025-12-31T23:59:59.999Z')).ok).toBe(true);
  });

  it('a file of exactly 1 MB is still read', () => {
    const padded = text + ' '.repeat(ACTIVATION_MAX_BYTES - Buffer.byteLength(text));
    expect(Buffer.byteLength(padded)).toBe(ACTIVATION_MAX_BYTES);
    expect(verifyOurs(padded).ok).toBe(true);
  });
});

describe('refused files, each with its own reason', () => {
  const good = signActivation(PAYLOAD, ours.privatePem);

  it('oversized: more than 1 MB is refused before it is parsed', () => {
    const big = 'x'.repeat(ACTIVATION_MAX_BYTES + 1);
    expect(verifyOurs(big)).toEqual({ ok: false, code: 'OVERSIZED', message: oversizedMessage(ACTIVATION_MAX_BYTES + 1) });
    expect(oversizedMessage(3 * 1024 * 1024)).toBe(
      'The activation file is 3.0 MB; an activation file is at most 1 MB. Check that you chose the file the vendor sent.',
    );
  });

  it.each([
    ['binary data', new Uint8Array([0xff, 0xfe, 0x00, 0x80]), 'This is not an activation file: it is not a text file.'],
    ['text that is not JSON', 'SUBSCRIPTION=SUB-1\nDEVICES=500\n', 'This is not an activation file: it is not valid JSON.'],
    ['a JSON array', '[1,2,3]', 'This is not an activation file: it has no "format": "otc-activation/1" field.'],
    ['JSON without a format', '{"payload":"abc"}', 'This is not an activation file: it has no "format": "otc-activation/1" field.'],
    [
      'another format version',
      '{"format":"otc-activation/2"}',
      'This activation file has format "otc-activation/2", which this console does not read (it reads otc-activation/1).',
    ],
  ])('malformed: %s', (_name, file, message) => {
    const result = verifyOurs(file);
    expect(result).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(!result.ok && result.message).toContain(message);
  });

  it.each([
    ['keyId', 'keyId is missing'],
    ['signature', 'signature is missing'],
    ['payload', 'payload is missing'],
  ])('malformed: no %s', (field, reason) => {
    const envelope: Record<string, unknown> = { ...envelopeOf(good) };
    delete envelope[field];
    expect(verifyOurs(JSON.stringify(envelope))).toEqual({
      ok: false,
      code: 'MALFORMED',
      message: `The activation file is incomplete or damaged: ${reason}. Upload the file the vendor sent, unchanged.`,
    });
  });

  it('malformed: a payload that is not base64', () => {
    const result = verifyOurs(JSON.stringify({ ...envelopeOf(good), payload: 'not base64 at all!' }));
    expect(result).toMatchObject({ ok: false, code: 'MALFORMED', message: expect.stringContaining('payload: payload must be base64.') });
  });

  it('malformed: genuinely signed, but the payload lacks a field or is not JSON', () => {
    const { committedDevices: _omit, ...partial } = PAYLOAD;
    expect(verifyOurs(signRaw(JSON.stringify(partial), ours.privatePem, ours.publicKey))).toEqual({
      ok: false,
      code: 'MALFORMED',
      message:
        'The activation file is signed but its contents are not valid: committedDevices is missing. Ask the vendor for a corrected file.',
    });
    expect(verifyOurs(signRaw('{oops', ours.privatePem, ours.publicKey))).toMatchObject({
      code: 'MALFORMED',
      message: expect.stringContaining('its payload is not JSON'),
    });
    expect(verifyOurs(signRaw(JSON.stringify({ ...PAYLOAD, extra: 1 }), ours.privatePem, ours.publicKey))).toMatchObject({
      code: 'MALFORMED',
      message: expect.stringContaining('it has unknown fields (extra)'),
    });
  });

  it('wrong key: signed for another vendor key, naming both key ids', () => {
    const result = verifyOurs(signActivation(PAYLOAD, theirs.privatePem));
    const mine = activationKeyId(ours.publicKey).slice(0, 16);
    const other = activationKeyId(theirs.publicKey).slice(0, 16);
    expect(result).toEqual({
      ok: false,
      code: 'WRONG_KEY',
      message: `This activation file was signed for another vendor key (key id ${other}…), not the one this console trusts (key id ${mine}…). Ask the vendor for a file issued for key ${mine}…, or check OTC_ACTIVATION_PUBLIC_KEY_FILE.`,
    });
  });

  const TAMPERED = {
    ok: false,
    code: 'TAMPERED',
    message:
      'This activation file has been changed since the vendor signed it: its signature does not match its contents. Upload the file exactly as the vendor sent it.',
  };

  it('tampered: a digit of the payload changed after signing', () => {
    const envelope = envelopeOf(good);
    const decoded = Buffer.from(envelope.payload, 'base64').toString('utf8');
    expect(decoded).toContain('"committedDevices":500');
    const payload = b64(decoded.replace('"committedDevices":500', '"committedDevices":900'));
    expect(verifyOurs(JSON.stringify({ ...envelope, payload }))).toEqual(TAMPERED);
  });

  it('tampered: the signature replaced, or our key id put on a file another key signed', () => {
    const envelope = envelopeOf(good);
    const zero = Buffer.alloc(64).toString('base64');
    expect(verifyOurs(JSON.stringify({ ...envelope, signature: zero }))).toEqual(TAMPERED);
    expect(verifyOurs(JSON.stringify({ ...envelope, signature: 'AAAA' }))).toEqual(TAMPERED);
    const forged = { ...envelopeOf(signActivation(PAYLOAD, theirs.privatePem)), keyId: activationKeyId(ours.publicKey) };
    expect(verifyOurs(JSON.stringify(forged))).toEqual(TAMPERED);
  });

  it('expired: at and after 00:00 UTC on the expiry date', () => {
    const expired = {
      ok: false,
      code: 'EXPIRED',
      message: 'This activation file expired on 2026-01-01. Ask the vendor for a renewed activation file.',
    };
    expect(verifyOurs(good, new Date('2026-01-01T00:00:00.000Z'))).toEqual(expired);
    expect(verifyOurs(good, new Date('2027-03-01T00:00:00.000Z'))).toEqual(expired);
  });

  it('not yet valid: before its issue date', () => {
    expect(verifyOurs(good, new Date('2024-12-31T23:59:59.999Z'))).toEqual({
      ok: false,
      code: 'NOT_YET_VALID',
      message:
        "This activation file is not valid until 2025-01-01 (UTC). Check this console's clock (System Settings → Time), or upload it on or after that date.",
    });
  });
});

describe('signing and keys', () => {
  it('refuses to sign an invalid payload or with a key that is not Ed25519', () => {
    expect(() => signActivation({ ...PAYLOAD, committedDevices: 0 }, ours.privatePem)).toThrow(
      'Invalid activation: committedDevices: Committed devices must be at least 1.',
    );
    expect(() => signActivation({ ...PAYLOAD, expiresOn: '2024-01-01' }, ours.privatePem)).toThrow(
      'The expiry date must be after the issue date.',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signActivation(PAYLOAD, rsa)).toThrow('The private key is an rsa key; activation files are signed with Ed25519.');
    expect(() => signActivation(PAYLOAD, 'nonsense')).toThrow('The private key is not a PEM private key.');
  });

  it('the key id is the SHA-256 of the public key, the same from the private key', () => {
    const privateKey = ours.privatePem;
    expect(activationKeyId(createPublicKey(privateKey))).toBe(activationKeyId(ours.publicKey));
    expect(envelopeOf(signActivation(PAYLOAD, privateKey)).keyId).toBe(activationKeyId(ours.publicKey));
  });

  it('a vendor public key must be an Ed25519 PEM public key', () => {
    const pem = ours.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(parseVendorPublicKey(pem)).toMatchObject({ ok: true, keyId: activationKeyId(ours.publicKey) });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(parseVendorPublicKey(rsa)).toEqual({ ok: false, message: 'it is an rsa key; activation files are signed with Ed25519' });
    expect(parseVendorPublicKey('-----BEGIN NOTHING-----')).toEqual({ ok: false, message: 'it is not a PEM public key' });
  });

  it('reads the payload of a stored file back, and null for anything else', () => {
    expect(readPayloadUnverified(signActivation(PAYLOAD, ours.privatePem))).toEqual(PAYLOAD);
    expect(readPayloadUnverified('{}')).toBeNull();
  });
});
