import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Proving knowledge of the connection-string token without sending it (docs/sensor-protocol.md,
// "Proving the token"). Both sides MAC the same transcript with the token as the key:
//
//   proof(role) = HMAC-SHA256(token, "otc-console-proof-v1|" role "|" purpose "|" clientNonce "|" serverNonce "|" fingerprint)
//
// role is "server" or "client", so neither proof can be replayed as the other; purpose keeps a sensor
// registration's proof from serving for console pairing and back; the nonces make every exchange
// fresh; fingerprint is the SHA-256 of the TLS certificate the CLIENT SAW on its connection (the server
// uses the one it served). A relay in the middle terminates TLS with its own certificate, so the two
// sides MAC different fingerprints and each refuses the other, while the relay learns two MACs it can
// neither forge nor reuse. Every field has a fixed alphabet without "|", so the join is unambiguous.
export const PROOF_LABEL = 'otc-console-proof-v1';

export const PROOF_PURPOSES = ['sensor-registration', 'console-pairing'] as const;
export type ProofPurpose = (typeof PROOF_PURPOSES)[number];

export type Transcript = { purpose: ProofPurpose; clientNonce: string; serverNonce: string; fingerprint: string };

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

// 32 random bytes, base64url: nonces and proofs have the same shape.
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

export const isNonce = (value: string): boolean => BASE64URL_32_BYTES.test(value);
export const isProof = (value: string): boolean => BASE64URL_32_BYTES.test(value);
export const isFingerprint = (value: string): boolean => FINGERPRINT.test(value);

function mac(token: string, role: 'server' | 'client', t: Transcript): string {
  if (!isNonce(t.clientNonce) || !isNonce(t.serverNonce) || !isFingerprint(t.fingerprint))
    throw new Error('token proof: malformed transcript field');
  return createHmac('sha256', token)
    .update([PROOF_LABEL, role, t.purpose, t.clientNonce, t.serverNonce, t.fingerprint].join('|'))
    .digest('base64url');
}

export const serverProof = (token: string, t: Transcript): string => mac(token, 'server', t);
export const clientProof = (token: string, t: Transcript): string => mac(token, 'client', t);

// Constant-time; anything that is not a well-formed proof matches nothing.
export function proofsEqual(a: string, b: string): boolean {
  if (!isProof(a) || !isProof(b)) return false;
  // The text, not the decoded bytes: base64url's last character carries two unused bits, so decoding
  // would let four spellings of one proof match (a non-canonical copy is not the proof that was sent).
  return timingSafeEqual(Buffer.from(a, 'ascii'), Buffer.from(b, 'ascii'));
}

export type ConsoleProofCheck =
  { ok: true; clientProof: string } | { ok: false; code: 'WRONG_TOKEN' | 'TLS_INTERCEPTED' | 'NO_CERTIFICATE'; message: string };

// The client's side, after step 1: does the answer prove the token over the certificate this client saw?
// Only then may it send its own proof. `claimedFingerprint` (what the server says it served) only makes
// the refusal specific: it is never trusted to accept.
export function checkConsoleProof(input: {
  token: string;
  purpose: ProofPurpose;
  clientNonce: string;
  serverNonce: string;
  serverProof: string;
  claimedFingerprint: string;
  seenFingerprint: string | null;
  address: string;
}): ConsoleProofCheck {
  const { token, purpose, clientNonce, serverNonce, address } = input;
  if (!input.seenFingerprint || !isFingerprint(input.seenFingerprint))
    return {
      ok: false,
      code: 'NO_CERTIFICATE',
      message: `The connection to ${address} showed no certificate to bind the proof to; nothing was sent. Retry.`,
    };
  if (!isNonce(serverNonce))
    return {
      ok: false,
      code: 'WRONG_TOKEN',
      message: `${address} answered the challenge with a malformed server nonce; nothing was sent.`,
    };
  const seen: Transcript = { purpose, clientNonce, serverNonce, fingerprint: input.seenFingerprint };
  if (proofsEqual(serverProof(token, seen), input.serverProof)) return { ok: true, clientProof: clientProof(token, seen) };
  const claimed = input.claimedFingerprint;
  if (
    claimed !== input.seenFingerprint &&
    isFingerprint(claimed) &&
    proofsEqual(serverProof(token, { ...seen, fingerprint: claimed }), input.serverProof)
  )
    return {
      ok: false,
      code: 'TLS_INTERCEPTED',
      message: `Something between this client and ${address} is intercepting TLS: the console proved the token over its certificate (SHA-256 ${claimed}) but this connection presented ${input.seenFingerprint}. Nothing was sent; check the network path (proxy, TLS inspection).`,
    };
  return {
    ok: false,
    code: 'WRONG_TOKEN',
    message: `The token does not match this console's connection string. Copy it again from System Settings → Sensor Setup; it may have been regenerated. (${address} could not prove it knows the token, so nothing was sent to it.)`,
  };
}
