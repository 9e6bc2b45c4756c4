import { X509Certificate } from 'node:crypto';

// The exact certificates a console trusts for its peer channel. Pinning is by the whole certificate
// (its SHA-256 fingerprint), never by issuer or name: a certificate signed by a pinned one, or one that
// repeats its subject, is still a stranger.
export type PeerPins = { readonly pems: readonly string[]; readonly fingerprints: ReadonlySet<string> };

export type PinResult = { ok: true; pins: PeerPins } | { ok: false; code: 'PEER_PIN_INVALID'; message: string };

// "AB:CD:…", the form node:crypto and node:tls report (fingerprint256), so comparisons are plain string
// equality after normalising case and separators.
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}

export function fingerprintOfPem(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

// At least one certificate is required: an empty trust set would make the listener refuse everyone,
// which is what "unpaired" means, and that is done by closing the listener, not by pinning nothing.
export function pinPeers(pems: readonly string[]): PinResult {
  if (pems.length === 0) return { ok: false, code: 'PEER_PIN_INVALID', message: 'Pin at least one peer certificate.' };
  const fingerprints = new Set<string>();
  for (const [index, pem] of pems.entries()) {
    try {
      fingerprints.add(fingerprintOfPem(pem));
    } catch {
      return { ok: false, code: 'PEER_PIN_INVALID', message: `Peer certificate ${index + 1} is not a PEM X.509 certificate.` };
    }
  }
  return { ok: true, pins: { pems: [...pems], fingerprints } };
}

export function isPinned(pins: PeerPins, fingerprint: string | undefined): boolean {
  return fingerprint !== undefined && pins.fingerprints.has(normalizeFingerprint(fingerprint));
}
