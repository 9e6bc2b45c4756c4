import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import {
  ACTIVATION_FORMAT,
  ACTIVATION_MAX_BYTES,
  activationEnvelopeSchema,
  activationPayloadSchema,
  oversizedMessage,
  type ActivationEnvelope,
  type ActivationPayload,
} from './schema.ts';

// The vendor-signed activation file (docs/activation-file-format.md): parsing, verification and
// signing, with no I/O and no clock reads, so the console, the CLI and the tests share one implementation.

export type VerifiedActivation = {
  subscriptions: string[];
  committedDevices: number;
  issuedOn: string;
  expiresOn: string;
  issuedAt: Date;
  expiresAt: Date;
  customer?: string;
  keyId: string;
  fileSha256: string;
  fileText: string;
};

export type ActivationFailureCode = 'OVERSIZED' | 'MALFORMED' | 'WRONG_KEY' | 'TAMPERED' | 'EXPIRED' | 'NOT_YET_VALID';
export type ActivationFailure = { ok: false; code: ActivationFailureCode; message: string };
export type VerifyResult = { ok: true; activation: VerifiedActivation } | ActivationFailure;

const fail = (code: ActivationFailureCode, message: string): ActivationFailure => ({ ok: false, code, message });

// Identifies a vendor key: SHA-256 over its SubjectPublicKeyInfo DER, in hex. A file names the key
// it was signed with, which is what lets the console tell "another vendor key" from "tampered".
export function activationKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function shortKeyId(keyId: string): string {
  return keyId.slice(0, 16);
}

// The vendor public key from PEM text, or a reason it cannot be used.
export function parseVendorPublicKey(pem: string): { ok: true; key: KeyObject; keyId: string } | { ok: false; message: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return { ok: false, message: 'it is not a PEM public key' };
  }
  if (key.asymmetricKeyType !== 'ed25519')
    return { ok: false, message: `it is an ${key.asymmetricKeyType ?? 'unknown'} key; activation files are signed with Ed25519` };
  return { ok: true, key, keyId: activationKeyId(key) };
}

export function dayStart(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00.000Z`);
}

function describeIssue(issues: z.core.$ZodIssue[], input: unknown): string {
  const issue = issues[0]!;
  const field = issue.path.join('.');
  const value = issue.path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
  if (field && value === undefined) return `${field} is missing`;
  if (issue.code === 'unrecognized_keys') return `it has unknown fields (${issue.keys.join(', ')})`;
  return field ? `${field}: ${issue.message}` : issue.message;
}

function parseEnvelope(bytes: Uint8Array): { ok: true; envelope: ActivationEnvelope; text: string } | ActivationFailure {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fail(
      'MALFORMED',
      'This is not an activation file: it is not a text file. Upload the activation file (.json) the vendor sent, unchanged.',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(
      'MALFORMED',
      'This is not an activation file: it is not valid JSON. Upload the activation file (.json) the vendor sent, unchanged.',
    );
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('format' in json)) {
    return fail(
      'MALFORMED',
      `This is not an activation file: it has no "format": "${ACTIVATION_FORMAT}" field. Upload the activation file the vendor sent, unchanged.`,
    );
  }
  if (json.format !== ACTIVATION_FORMAT) {
    return fail(
      'MALFORMED',
      `This activation file has format ${JSON.stringify(json.format)}, which this console does not read (it reads ${ACTIVATION_FORMAT}). Ask the vendor for a file in format ${ACTIVATION_FORMAT}.`,
    );
  }
  const parsed = activationEnvelopeSchema.safeParse(json);
  if (!parsed.success)
    return fail(
      'MALFORMED',
      `The activation file is incomplete or damaged: ${describeIssue(parsed.error.issues, json)}. Upload the file the vendor sent, unchanged.`,
    );
  return { ok: true, envelope: parsed.data, text };
}

// Everything a console checks before it accepts a file, in order: size (before any parsing), shape,
// which vendor key signed it, the signature over the payload bytes, the payload's fields, and dates.
export function verifyActivation(file: Uint8Array | string, vendorKey: KeyObject, now: Date): VerifyResult {
  const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  if (bytes.byteLength > ACTIVATION_MAX_BYTES) return fail('OVERSIZED', oversizedMessage(bytes.byteLength));

  const envelope = parseEnvelope(bytes);
  if (!envelope.ok) return envelope;
  const { keyId, payload, signature } = envelope.envelope;

  const ours = activationKeyId(vendorKey);
  if (keyId !== ours) {
    return fail(
      'WRONG_KEY',
      `This activation file was signed for another vendor key (key id ${shortKeyId(keyId)}…), not the one this console trusts (key id ${shortKeyId(ours)}…). Ask the vendor for a file issued for key ${shortKeyId(ours)}…, or check OTC_ACTIVATION_PUBLIC_KEY_FILE.`,
    );
  }
  let valid = false;
  try {
    valid = verify(null, Buffer.from(payload, 'ascii'), vendorKey, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) {
    return fail(
      'TAMPERED',
      'This activation file has been changed since the vendor signed it: its signature does not match its contents. Upload the file exactly as the vendor sent it.',
    );
  }

  let payloadJson: unknown;
  try {
    payloadJson = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    payloadJson = undefined;
  }
  const fields = activationPayloadSchema.safeParse(payloadJson);
  if (!fields.success) {
    const reason = payloadJson === undefined ? 'its payload is not JSON' : describeIssue(fields.error.issues, payloadJson);
    return fail(
      'MALFORMED',
      `The activation file is signed but its contents are not valid: ${reason}. Ask the vendor for a corrected file.`,
    );
  }
  const p = fields.data;
  const issuedAt = dayStart(p.issuedOn);
  const expiresAt = dayStart(p.expiresOn);
  if (now.getTime() < issuedAt.getTime()) {
    return fail(
      'NOT_YET_VALID',
      `This activation file is not valid until ${p.issuedOn} (UTC). Check this console's clock (System Settings → Time), or upload it on or after that date.`,
    );
  }
  if (now.getTime() >= expiresAt.getTime()) {
    return fail('EXPIRED', `This activation file expired on ${p.expiresOn}. Ask the vendor for a renewed activation file.`);
  }
  return {
    ok: true,
    activation: {
      subscriptions: p.subscriptions,
      committedDevices: p.committedDevices,
      issuedOn: p.issuedOn,
      expiresOn: p.expiresOn,
      issuedAt,
      expiresAt,
      ...(p.customer ? { customer: p.customer } : {}),
      keyId,
      fileSha256: createHash('sha256').update(bytes).digest('hex'),
      fileText: envelope.text,
    },
  };
}

// The payload of a stored file, without verifying it again (it was verified when installed): for
// showing fields the database row does not hold, such as the customer name.
export function readPayloadUnverified(fileText: string): ActivationPayload | null {
  try {
    const envelope = activationEnvelopeSchema.parse(JSON.parse(fileText));
    const parsed = activationPayloadSchema.safeParse(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class ActivationSigningError extends Error {}

// The vendor's side: the file text for a payload, signed with an Ed25519 private key (PEM). Used by
// cli/ot-activation-issue.ts and the tests; the console itself never holds a private key.
export function signActivation(payload: ActivationPayload, privateKeyPem: string): string {
  const parsed = activationPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new ActivationSigningError(`Invalid activation: ${describeIssue(parsed.error.issues, payload)}.`);
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new ActivationSigningError('The private key is not a PEM private key.');
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ActivationSigningError(
      `The private key is an ${key.asymmetricKeyType ?? 'unknown'} key; activation files are signed with Ed25519.`,
    );
  const encoded = Buffer.from(JSON.stringify(parsed.data), 'utf8').toString('base64');
  const envelope: ActivationEnvelope = {
    format: ACTIVATION_FORMAT,
    keyId: activationKeyId(key),
    payload: encoded,
    signature: sign(null, Buffer.from(encoded, 'ascii'), key).toString('base64'),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
