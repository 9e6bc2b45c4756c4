import { constants } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isPinned, pinPeers, type PeerPins, type PinResult } from './fingerprint-pin.ts';
import { presentedFingerprint, recordPresentedCertificate, requirePeer, type PeerGuardFailure } from './guard.ts';

export type PeerTlsIdentity = { key: string; cert: string };

export type PeerRequestHandler = (request: IncomingMessage, response: ServerResponse, peer: { fingerprint: string }) => void;

export type PeerServer = {
  server: https.Server;
  pins(): PeerPins;
  // Replaces the trusted set without a restart. A certificate swap on the peer is two calls:
  // [old, new] when the peer announces its new certificate, then [new] once it serves it.
  replacePins(pems: readonly string[]): PinResult;
  // This console's own certificate, hot-swapped for new connections; announce it to the peer first.
  replaceIdentity(identity: PeerTlsIdentity): void;
};

// The peer channel's TLS settings. It has a listener of its own: asking for client certificates on the
// browser-facing port makes browsers that hold one prompt the user to pick a certificate.
//
// The pin is the exact certificate, checked by requirePeer, not OpenSSL's chain verification: with
// `ca` = the pinned certificates and rejectUnauthorized, Node 20 refuses a CA-issued peer certificate
// (it insists on the chain up to a root) and, of two pinned certificates with the same subject (a
// renewed certificate keeps the appliance's domain as CN), accepts only the first — which would break
// every certificate swap. The handshake still makes the peer prove it holds the certificate's key.
// `ca` stays, to tell the client which certificate to present.
export function peerServerTlsOptions(identity: PeerTlsIdentity, pins: PeerPins): https.ServerOptions {
  return {
    key: identity.key,
    cert: identity.cert,
    ca: [...pins.pems],
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
    // No session tickets: a resumed session skips the certificate exchange, so every connection makes
    // the peer present its certificate again.
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

export function createPeerServer(options: {
  identity: PeerTlsIdentity;
  pinned: readonly string[];
  onRequest: PeerRequestHandler;
}): { ok: true; peer: PeerServer } | Extract<PinResult, { ok: false }> {
  const initial = pinPeers(options.pinned);
  if (!initial.ok) return initial;
  let pins = initial.pins;
  let identity = options.identity;
  const connections = new Set<TLSSocket>();

  const server = https.createServer(peerServerTlsOptions(identity, pins), (request, response) => {
    const guard = requirePeer(request.socket, pins);
    if (!guard.ok) return refuse(response, guard);
    options.onRequest(request, response, { fingerprint: guard.fingerprint });
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    recordPresentedCertificate(socket);
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  const peer: PeerServer = {
    server,
    pins: () => pins,
    replacePins(pems) {
      const next = pinPeers(pems);
      if (!next.ok) return next;
      pins = next.pins;
      server.setSecureContext(peerServerTlsOptions(identity, pins));
      // Kept-alive connections were verified against the old set; the ones it no longer trusts go now
      // rather than at their next request.
      for (const socket of connections) if (!isPinned(pins, presentedFingerprint(socket))) socket.destroy();
      return next;
    },
    replaceIdentity(next) {
      identity = next;
      server.setSecureContext(peerServerTlsOptions(identity, pins));
    },
  };
  return { ok: true, peer };
}

function refuse(response: ServerResponse, failure: PeerGuardFailure) {
  const body = JSON.stringify({ code: failure.code, message: failure.message });
  response.writeHead(failure.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
