// Why a call to the peer console failed, as values the pairing and replication code can act on.
export type PeerCallCode =
  | 'PEER_UNREACHABLE'
  | 'PEER_TIMEOUT'
  | 'PEER_CERTIFICATE_MISMATCH'
  | 'PEER_CERTIFICATE_INVALID'
  | 'PEER_REFUSED_CERTIFICATE'
  | 'PEER_REFUSED'
  | 'PEER_BAD_RESPONSE';

export type PeerCallFailure = { ok: false; code: PeerCallCode; message: string; status?: number; peerCode?: string };

// Carries a failure through node:http's error path (req.destroy(error)) back to the caller.
export class PeerCallError extends Error {
  constructor(readonly failure: PeerCallFailure) {
    super(failure.message);
  }
}

// The verification errors OpenSSL reports when the server's certificate does not chain to a pinned one.
const notPinned = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
const outOfDate = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export function describePeerError(error: unknown, where: string): PeerCallFailure {
  if (error instanceof PeerCallError) return error.failure;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (notPinned.has(code))
    return {
      ok: false,
      code: 'PEER_CERTIFICATE_MISMATCH',
      message: `The console at ${where} presented a certificate that is not the pinned peer certificate (${code}). If the peer's certificate was replaced without announcing it, pair the consoles again.`,
    };
  if (outOfDate.has(code))
    return {
      ok: false,
      code: 'PEER_CERTIFICATE_INVALID',
      message: `The peer certificate at ${where} is not valid now (${code}). Check both consoles' clocks, or install a current certificate on the peer.`,
    };
  // TLS alerts sent by the peer: it did not accept the client certificate this console presented.
  if (/^ERR_SSL_.*ALERT/.test(code))
    return {
      ok: false,
      code: 'PEER_REFUSED_CERTIFICATE',
      message: `The console at ${where} refused this console's certificate (${code}): it does not have it pinned. Pair the consoles again if this console's certificate was replaced.`,
    };
  return {
    ok: false,
    code: 'PEER_UNREACHABLE',
    message: `Could not reach the peer console at ${where} (${code || detail}). Check that it is running and that its peer port is reachable; a connection reset during the handshake also means it does not trust this console's certificate.`,
  };
}
