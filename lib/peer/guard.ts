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

// Guard for every request on the peer channel, run against the socket the request arrived on. This
// check is the pin: the listener lets any certificate complete the handshake (see server-tls.ts), and
// a connection opened before the pinned set changed outlives the change. So the certificate presented
// on this socket (whose key the TLS handshake proved the peer holds) is compared with the pinned set as
// it is now, on every request.
export function requirePeer(socket: Socket, pins: PeerPins): PeerGuardResult {
  if (!(socket instanceof TLSSocket) || !socket.encrypted)
    return { ok: false, status: 401, code: 'PEER_TLS_REQUIRED', message: 'The peer channel accepts mutual TLS connections only.' };
  const presented = presentedFingerprint(socket);
  if (!presented)
    return {
      ok: false,
      status: 401,
      code: 'PEER_CERTIFICATE_REQUIRED',
      message: "Present this console's pinned peer certificate: the connection carried no client certificate.",
    };
  if (!isPinned(pins, presented))
    return {
      ok: false,
      status: 403,
      code: 'PEER_CERTIFICATE_NOT_PINNED',
      message: `The client certificate ${presented} is not pinned as this console's peer. Pair the consoles again if the peer's certificate was replaced.`,
    };
  return { ok: true, fingerprint: presented };
}

const presentedOn = new WeakMap<TLSSocket, string | null>();

// OpenSSL does not keep the peer certificate reachable for the life of a connection (a kept-alive
// socket can report none a few requests later), so it is read once, when the handshake completes,
// and that reading is what every later request on the socket is judged by.
export function recordPresentedCertificate(socket: TLSSocket): void {
  presentedOn.set(socket, socket.getPeerX509Certificate()?.fingerprint256 ?? null);
}

export function presentedFingerprint(socket: TLSSocket): string | undefined {
  return presentedOn.get(socket) ?? socket.getPeerX509Certificate()?.fingerprint256;
}
