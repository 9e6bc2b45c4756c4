import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { createPeerClient, type PeerClientOptions } from '../../lib/peer/client.ts';
import { createPeerServer, type PeerServer } from '../../lib/peer/server-tls.ts';
import { makeCertificate, type Made } from './certs.ts';

export type PeerCert = Made;

// A console's certificate as the appliance makes it: self-signed, CN = its domain.
export function consoleCertificate(domain: string, options: Parameters<typeof makeCertificate>[0] = {}): PeerCert {
  return makeCertificate({ subject: { CN: domain, O: 'Example Utility', OU: 'OT Security', C: 'DE' }, ...options });
}

export const identityOf = (made: PeerCert) => ({ key: made.keyPem, cert: made.certPem });

export const pingResponse = z.object({ pong: z.literal(true), peer: z.string(), request: z.number().int() }).strict();

export type RunningPeerServer = PeerServer & {
  port: number;
  // The fingerprint requirePeer accepted for each request that reached the handler, in order.
  accepted: string[];
  tlsConnections: () => number;
  close(): Promise<void>;
};

// A peer listener whose only route answers who it saw, so tests can tell which requests passed the guard.
export async function startPeerServer(identity: PeerCert, pinned: PeerCert[]): Promise<RunningPeerServer> {
  const accepted: string[] = [];
  let tlsConnections = 0;
  const created = createPeerServer({
    identity: identityOf(identity),
    pinned: pinned.map((p) => p.certPem),
    onRequest: (request, response, peer) => {
      accepted.push(peer.fingerprint);
      const trickle = request.url === '/trickle';
      if (trickle) {
        // Keeps sending, a byte at a time, and never finishes: only an overall bound ends this call.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"pong":true,"peer":"');
        const timer = setInterval(() => response.write('x'), 20);
        response.on('close', () => clearInterval(timer));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(request.url === '/malformed' ? { pong: 'yes' } : { pong: true, peer: peer.fingerprint, request: accepted.length }),
      );
    },
  });
  if (!created.ok) throw new Error(created.message);
  const { server } = created.peer;
  server.on('secureConnection', () => tlsConnections++);
  // Handshake failures are the point of several tests; they must not surface as unhandled errors.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(created.peer, {
    port: (server.address() as AddressInfo).port,
    accepted,
    tlsConnections: () => tlsConnections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export function peerClient(identity: PeerCert, pinned: PeerCert[], port: number, extra: Partial<PeerClientOptions> = {}) {
  const created = createPeerClient({
    identity: identityOf(identity),
    peer: { host: '127.0.0.1', port },
    pinned: pinned.map((p) => p.certPem),
    ...extra,
  });
  if (!created.ok) throw new Error(created.message);
  return created.client;
}

export type RawOutcome = { status: number | null; body: string; error: string | null; reused: boolean; session: Buffer | undefined };

// A hand-made TLS client speaking one HTTP/1.1 request, for what the product's client never does:
// no certificate, a saved session, a certificate the server should not accept.
export function rawPeerRequest(port: number, options: { cert?: PeerCert; ca: PeerCert; session?: Buffer }): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let data = '';
    let session: Buffer | undefined;
    let reused = false;
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: options.ca.certPem,
      ...(options.cert ? { key: options.cert.keyPem, cert: options.cert.certPem } : {}),
      ...(options.session ? { session: options.session } : {}),
      checkServerIdentity: () => undefined,
    });
    socket.on('session', (s) => (session = s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write('GET /ping HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (chunk) => (data += chunk.toString()));
    const done = (error: string | null) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
      resolve({ status: status ? Number(status) : null, body: data.split('\r\n\r\n')[1] ?? '', error, reused, session });
    };
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    socket.on('end', () => done(null));
  });
}
