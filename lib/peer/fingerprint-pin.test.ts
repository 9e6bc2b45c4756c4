import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeCertificate } from '../../tests/support/certs.ts';
import { isPinned, normalizeFingerprint, pinPeers } from './fingerprint-pin.ts';
import { requirePeer } from './guard.ts';

const pem = makeCertificate({ key: { type: 'ec', curve: 'P-256' } }).certPem;
const fingerprint = new X509Certificate(pem).fingerprint256;

describe('fingerprint pins', () => {
  it('matches a fingerprint whatever its case or separators', () => {
    const pinned = pinPeers([pem]);
    expect(pinned.ok).toBe(true);
    if (!pinned.ok) return;
    expect(isPinned(pinned.pins, fingerprint.toLowerCase().replaceAll(':', ''))).toBe(true);
    expect(normalizeFingerprint(fingerprint.toLowerCase())).toBe(fingerprint);
    expect(isPinned(pinned.pins, undefined)).toBe(false);
    const oneByteOff = (fingerprint.startsWith('00') ? 'FF' : '00') + fingerprint.slice(2);
    expect(isPinned(pinned.pins, oneByteOff)).toBe(false);
  });

  it('names the certificate that is not one', () => {
    expect(pinPeers([pem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'])).toEqual({
      ok: false,
      code: 'PEER_PIN_INVALID',
      message: 'Peer certificate 2 is not a PEM X.509 certificate.',
    });
  });
});

describe('requirePeer', () => {
  it('refuses a request that did not arrive over TLS', () => {
    const pinned = pinPeers([pem]);
    if (!pinned.ok) throw new Error(pinned.message);
    expect(requirePeer(new net.Socket(), pinned.pins)).toMatchObject({ ok: false, status: 401, code: 'PEER_TLS_REQUIRED' });
  });
});
