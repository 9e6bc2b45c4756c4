// Why a call to the peer console failed, as values the pairing and replication code can act on.
export type PeerCallCode =
  'PEER_UNREACHABLE' | 'PEER_TIMEOUT' | 'PEER_CERTIFICATE_MISMATCH' | 'PEER_TLS_FAILED' | 'PEER_REFUSED' | 'PEER_BAD_RESPONSE';

export type PeerCallFailure = { ok: false; code: PeerCallCode; message: string; status?: number; peerCode?: string };

// Carries a failure through node:http's error path (req.destroy(error)) back to the caller.
export class PeerCallError extends Error {
  constructor(readonly failure: PeerCallFailure) {
    super(failure.message);
  }
}

export function describePeerError(error: unknown, where: string): PeerCallFailure {
  if (error instanceof PeerCallError) return error.failure;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  // A TLS alert from the other end: it is not speaking the peer protocol's TLS (version, or a
  // listener that does not take this console's certificate).
  if (/^ERR_SSL_/.test(code))
    return {
      ok: false,
      code: 'PEER_TLS_FAILED',
      message: `The TLS handshake with ${where} failed (${code}). Check that the address and port are the peer console's peer port and that both consoles run the same software version.`,
    };
  return {
    ok: false,
    code: 'PEER_UNREACHABLE',
    message: `Could not reach the peer console at ${where} (${code || detail}). Check that it is running and that its peer port is reachable from this console.`,
  };
}
