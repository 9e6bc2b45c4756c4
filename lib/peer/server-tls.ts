import { constants } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isPinned, pinPeers, type PeerPins, type PinResult } from './fingerprint-pin.ts';
import { requirePeer, type PeerGuardFailure } from './guard.ts';

export type PeerTlsIdentity = { key: string; cert: string };

export type PeerRequestHandler = (request: IncomingMessage, response: ServerResponse, peer: { fingerprint: string }) => void;

export type PeerServer = {
  server: https.Server;
  pins(): PeerPins;
  // Replaces the trusted set without a restart. A certificate swap on the peer is two calls:
  // [old, new] when the peer announces its new certificate, then [new] once it serves it.
  replacePins(pems: readonly string[]): PinResult;
};

// The peer channel's TLS settings. It has a listener of its own: asking for client certificates on the
// browser-facing port makes browsers that hold one prompt the user to pick a certificate.
export function peerServerTlsOptions(identity: PeerTlsIdentity, pins: PeerPins): https.ServerOptions {
  return {
    key: identity.key,
    cert: identity.cert,
    ca: [...pins.pems],
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    // No session tickets: a resumed session skips certificate verification, so every connection makes
    // the peer present its certificate again (requirePeer still re-checks each request).
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
  const connections = new Set<TLSSocket>();

  const server = https.createServer(peerServerTlsOptions(options.identity, pins), (request, response) => {
    const guard = requirePeer(request.socket, pins);
    if (!guard.ok) return refuse(response, guard);
    options.onRequest(request, response, { fingerprint: guard.fingerprint });
  });
  server.on('secureConnection', (socket: TLSSocket) => {
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
      server.setSecureContext(peerServerTlsOptions(options.identity, pins));
      // Kept-alive connections were verified against the old set; the ones it no longer trusts go now
      // rather than at their next request.
      for (const socket of connections) if (!isPinned(pins, socket.getPeerX509Certificate()?.fingerprint256)) socket.destroy();
      return next;
    },
  };
  return { ok: true, peer };
}

function refuse(response: ServerResponse, failure: PeerGuardFailure) {
  response.writeHead(failure.status, { 'content-type': 'application/json', connection: 'close' });
  response.end(JSON.stringify({ code: failure.code, message: failure.message }));
}
