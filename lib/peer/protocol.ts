import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

// Console-to-console protocol v1: the source of truth for what two consoles exchange.
// docs/peer-protocol.md describes the transport and the pairing flow.
//
// Versioning: `protocol` is a literal. A change that an older console could misread (a field removed,
// renamed or given a new meaning) bumps it; adding an optional field does not. A console refuses a
// message with another version, which is why both consoles of a pair must run the same software version.

export const PEER_PROTOCOL_VERSION = 1;

const epochMs = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const fingerprint = z
  .string()
  .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'A SHA-256 fingerprint looks like AB:CD:… (32 bytes in upper-case hex, colon-separated).');

// The console this one is paired with, as it recorded it; null when standalone.
export const pairedWith = z.object({ domain: z.string().min(1).max(253), address: z.string().min(1).max(300), fingerprint }).strict();

// What this console holds that pairing as a secondary would replace, and the sensors it serves now.
export const peerInventory = z
  .object({
    sensors: count,
    connectedSensors: count,
    users: count,
    settings: count,
    vlans: count,
    sensorEvents: count,
    auditEvents: count,
  })
  .strict();
export type PeerInventory = z.infer<typeof peerInventory>;

// The identity a console presents to a peer (pairing step 2), in both directions.
export const peerIdentity = z
  .object({
    protocol: z.literal(PEER_PROTOCOL_VERSION),
    applianceId: z.uuid(),
    domain: z.string().min(1).max(253),
    // host:port this console's web server (sign-in, sensors, pairing) is reached at.
    address: z.string().min(1).max(300),
    // The port of its mutual-TLS peer listener, on the same host.
    peerPort: z.number().int().min(1).max(65535),
    model: z.string().min(1).max(64),
    softwareVersion: z.string().min(1).max(32),
    configuredRole: z.enum(['STANDALONE', 'PRIMARY', 'SECONDARY']),
    state: z.enum(['ACTIVE', 'STANDBY', 'FROZEN']),
    // A decimal string: the term is a 64-bit counter, beyond what a JSON number carries exactly.
    term: z.string().regex(/^\d{1,20}$/, 'The term is a decimal integer.'),
    certificatePem: z.string().max(64 * 1024),
    fingerprint,
    // The sender's clock when it built this message, ms since the epoch.
    clock: epochMs,
    // IANA name, e.g. Europe/Berlin.
    timezone: z.string().min(1).max(64),
    pairedWith: pairedWith.nullable(),
    inventory: peerInventory,
  })
  .strict()
  .superRefine((identity, context) => {
    let actual: string;
    try {
      actual = new X509Certificate(identity.certificatePem).fingerprint256;
    } catch {
      context.addIssue({ code: 'custom', path: ['certificatePem'], message: 'certificatePem is not a PEM X.509 certificate.' });
      return;
    }
    if (actual !== identity.fingerprint)
      context.addIssue({ code: 'custom', path: ['fingerprint'], message: `The fingerprint is not that of certificatePem (${actual}).` });
  });
export type PeerIdentity = z.infer<typeof peerIdentity>;

// ---- Pairing handshake (docs/peer-protocol.md, "Pairing") ----------------------------------------
// Every step after a challenge is authorized by a fresh proof of the secondary's connection-string
// token (purpose console-pairing), bound to the certificate the primary saw; the token never travels.

const base64url32 = (name: string) => z.string().regex(/^[A-Za-z0-9_-]{43}$/, `${name} is 32 bytes in base64url (43 characters).`);
export const MAX_PAIRING_BODY_BYTES = 128 * 1024;

export const pairChallengeRequest = z
  .object({ protocol: z.literal(PEER_PROTOCOL_VERSION), clientNonce: base64url32('clientNonce') })
  .strict();

export const pairChallengeResponse = z.object({
  challengeId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  serverNonce: base64url32('serverNonce'),
  serverProof: base64url32('serverProof'),
  consoleFingerprint: fingerprint,
  expiresInMs: z.number().int().positive(),
});

// Step a: the secondary's identity. It changes nothing on the secondary.
export const identityRequest = z.object({ protocol: z.literal(PEER_PROTOCOL_VERSION) }).strict();

// Step c: the primary offers itself. `secondaryFingerprint` is the certificate the primary saw on the
// secondary when it checked the prerequisites: the secondary records the offer only if that is its own
// certificate, so an offer meant for another console (or checked against a relay) is refused.
export const pairOffer = z
  .object({ protocol: z.literal(PEER_PROTOCOL_VERSION), primary: peerIdentity, secondaryFingerprint: fingerprint })
  .strict();
export type PairOffer = z.infer<typeof pairOffer>;

export const pairOfferResponse = z.object({ accepted: z.literal(true), domain: z.string().min(1).max(253), fingerprint }).strict();
