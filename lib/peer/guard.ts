import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { isPinned, type PeerPins } from './fingerprint-pin.ts';

export type PeerGuardFailure = {
  ok: false;
  status: 401 | 403;
  code: 'PEER_TLS_REQUIRED' | 'PEER_CERTIFICATE_REQUIRED' | 'PEER_CERTIFICATE_NOT_PINNED';
  message: string;
};
export type PeerGuardResult = { ok: true; fingerprint: string } | PeerGuardFailure;

// Guard for every request on the peer channel, run against the socket the request arrived on. The TLS
// handshake already refused certificates that do not chain to a pinned one, but that is not enough:
// `ca` accepts anything a pinned certificate signed, a resumed session skips verification altogether,
// and a connection opened before the pinned set changed outlives the change. So the certificate
// actually presented on this socket is compared with the pinned set as it is now, on every request.
export function requirePeer(socket: Socket, pins: PeerPins): PeerGuardResult {
  if (!(socket instanceof TLSSocket) || !socket.encrypted)
    return { ok: false, status: 401, code: 'PEER_TLS_REQUIRED', message: 'The peer channel accepts mutual TLS connections only.' };
  const presented = socket.getPeerX509Certificate();
  if (!socket.authorized || !presented)
    return {
      ok: false,
      status: 401,
      code: 'PEER_CERTIFICATE_REQUIRED',
      message: "Present this console's pinned peer certificate: the connection carried no verified client certificate.",
    };
  if (!isPinned(pins, presented.fingerprint256))
    return {
      ok: false,
      status: 403,
      code: 'PEER_CERTIFICATE_NOT_PINNED',
      message: `The client certificate ${presented.fingerprint256} is not pinned as this console's peer. Pair the consoles again if the peer's certificate was replaced.`,
    };
  return { ok: true, fingerprint: presented.fingerprint256 };
}
