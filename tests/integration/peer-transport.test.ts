import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { waitFor } from '../support/wait-for.ts';
import { consoleCertificate, peerClient, pingResponse, rawPeerRequest, startPeerServer, type PeerCert } from '../support/peer-tls.ts';

const fp = (made: PeerCert) => new X509Certificate(made.certPem).fingerprint256;

// Console A listens; console B calls it. Both certificates self-signed, as the appliances make them.
let a: PeerCert;
let b: PeerCert;
beforeAll(() => {
  a = consoleCertificate('console-a.plant.example');
  // CA-capable on purpose, so that a certificate it signs chains to it: pinning must still refuse that one.
  b = consoleCertificate('console-b.plant.example', { ca: true });
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverPinning(pinned: PeerCert[], identity = a) {
  const server = await startPeerServer(identity, pinned);
  cleanups.push(() => server.close());
  return server;
}
function clientOf(identity: PeerCert, pinned: PeerCert[], port: number, extra = {}) {
  const client = peerClient(identity, pinned, port, extra);
  cleanups.push(() => client.close());
  return client;
}
const ping = { path: '/ping', response: pingResponse } as const;

describe('peer transport: the listener', () => {
  it('accepts the pinned client certificate and hands its fingerprint to the handler', async () => {
    const server = await serverPinning([b]);
    const result = await clientOf(b, [a], server.port).request(ping);
    expect(result).toMatchObject({ ok: true, status: 200, value: { pong: true, peer: fp(b) }, fingerprint: fp(a) });
    expect(server.accepted).toEqual([fp(b)]);
  });

  it('refuses a connection without a client certificate', async () => {
    const server = await serverPinning([b]);
    const outcome = await rawPeerRequest(server.port, { ca: a });
    expect(outcome.status).toBe(401);
    expect(JSON.parse(outcome.body)).toMatchObject({ code: 'PEER_CERTIFICATE_REQUIRED' });
    expect(server.accepted).toEqual([]);
  });

  it('refuses an unpinned self-signed client certificate, even one with the pinned subject', async () => {
    const server = await serverPinning([b]);
    const impostor = consoleCertificate('console-b.plant.example');
    const raw = await rawPeerRequest(server.port, { ca: a, cert: impostor });
    expect(raw.status).toBe(403);
    expect(JSON.parse(raw.body)).toMatchObject({ code: 'PEER_CERTIFICATE_NOT_PINNED' });
    const result = await clientOf(impostor, [a], server.port).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_REFUSED', status: 403, peerCode: 'PEER_CERTIFICATE_NOT_PINNED' });
    expect(server.accepted).toEqual([]);
  });

  it('refuses a client certificate signed by the pinned one: pinning is by exact certificate, not by issuer', async () => {
    const server = await serverPinning([b]);
    const child = consoleCertificate('console-b.plant.example', { issuer: b });
    const result = await clientOf(child, [a], server.port).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_REFUSED', status: 403, peerCode: 'PEER_CERTIFICATE_NOT_PINNED' });
    if (!result.ok) expect(result.message).toContain(fp(child));
    expect(server.accepted).toEqual([]);
  });
});

describe('peer transport: the client', () => {
  it('refuses a server presenting another self-signed certificate', async () => {
    const stranger = consoleCertificate('console-a.plant.example');
    const server = await serverPinning([b], stranger);
    const result = await clientOf(b, [a], server.port).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_CERTIFICATE_MISMATCH' });
    expect(server.accepted).toEqual([]);
  });

  it('refuses a server whose certificate chains to the pinned one but is not it', async () => {
    // Console B's client pins B's own CA-capable certificate as "the peer"; the server shows a child of it.
    const child = consoleCertificate('console-x.plant.example', { issuer: b });
    const server = await serverPinning([a], child);
    const result = await clientOf(a, [b], server.port).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_CERTIFICATE_MISMATCH' });
    if (!result.ok) expect(result.message).toContain(fp(child));
    expect(server.accepted).toEqual([]);
  });

  it('checks the pin on every request: three calls through one client, each seen by requirePeer', async () => {
    const server = await serverPinning([b]);
    const client = clientOf(b, [a], server.port);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await client.request(ping));
    expect(results.map((r) => (r.ok ? [r.value.request, r.fingerprint] : r.code))).toEqual([
      [1, fp(a)],
      [2, fp(a)],
      [3, fp(a)],
    ]);
    expect(server.accepted).toEqual([fp(b), fp(b), fp(b)]);
    // One kept-alive connection carried all three: the check is per request, not per connection.
    expect(server.tlsConnections()).toBe(1);
  });

  it('sends nothing to a server presenting another certificate', async () => {
    const stranger = consoleCertificate('console-a.plant.example');
    let received = 0;
    const server = tls.createServer({ key: stranger.keyPem, cert: stranger.certPem }, (socket) => {
      socket.on('data', (chunk) => (received += chunk.length));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let closed = 0;
    server.on('connection', (socket) => socket.on('close', () => closed++));
    const result = await clientOf(b, [a], (server.address() as AddressInfo).port).request({ ...ping, body: { secret: 'replicated data' } });
    expect(result).toMatchObject({ ok: false, code: 'PEER_CERTIFICATE_MISMATCH' });
    await waitFor('the stranger to see the connection close', () => closed === 1);
    expect(received).toBe(0);
  });

  it('pins a CA-issued certificate by itself, without its chain', async () => {
    const root = consoleCertificate('Plant Root CA', { ca: true });
    const issued = consoleCertificate('console-a.plant.example', { issuer: root });
    const server = await serverPinning([b], issued);
    expect(await clientOf(b, [issued], server.port).request(ping)).toMatchObject({ ok: true, fingerprint: fp(issued) });
    // And as a client certificate.
    const issuedClient = consoleCertificate('console-b.plant.example', { issuer: root });
    const other = await serverPinning([issuedClient]);
    expect(await clientOf(issuedClient, [a], other.port).request(ping)).toMatchObject({ ok: true, value: { peer: fp(issuedClient) } });
  });

  it('returns PEER_BAD_RESPONSE for an answer that does not follow the schema', async () => {
    const server = await serverPinning([b]);
    const result = await clientOf(b, [a], server.port).request({ path: '/malformed', response: pingResponse });
    expect(result).toMatchObject({ ok: false, code: 'PEER_BAD_RESPONSE', status: 200 });
    if (!result.ok) expect(result.message).toContain('at pong');
  });

  it('returns PEER_UNREACHABLE when nothing listens', async () => {
    const server = await serverPinning([b]);
    const port = server.port;
    await server.close();
    const result = await clientOf(b, [a], port).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_UNREACHABLE' });
    if (!result.ok) expect(result.message).toContain('ECONNREFUSED');
  });
});

describe('peer transport: no session resumption', () => {
  it('a saved session does not stand in for the client certificate', async () => {
    const server = await serverPinning([b]);
    const first = await rawPeerRequest(server.port, { ca: a, cert: b });
    expect(first.status).toBe(200);
    expect(first.session).toBeInstanceOf(Buffer);

    const withoutCert = await rawPeerRequest(server.port, { ca: a, session: first.session });
    expect(withoutCert.reused).toBe(false);
    expect(withoutCert.status).toBe(401);
    expect(JSON.parse(withoutCert.body)).toMatchObject({ code: 'PEER_CERTIFICATE_REQUIRED' });

    const withCert = await rawPeerRequest(server.port, { ca: a, cert: b, session: first.session });
    expect(withCert.reused).toBe(false);
    expect(withCert.status).toBe(200);
    expect(server.accepted).toEqual([fp(b), fp(b)]);
  });

  it('a session saved before the pinned set changed does not let the old certificate back in', async () => {
    const b2 = consoleCertificate('console-b.plant.example');
    const server = await serverPinning([b]);
    const first = await rawPeerRequest(server.port, { ca: a, cert: b });
    expect(first.status).toBe(200);
    expect(server.replacePins([b2.certPem]).ok).toBe(true);
    const replay = await rawPeerRequest(server.port, { ca: a, cert: b, session: first.session });
    expect(replay.reused).toBe(false);
    expect(replay.status).toBe(403);
    expect(server.accepted).toEqual([fp(b)]);
  });
});

describe('peer transport: certificate swap at run time', () => {
  it('the peer replaces its client certificate: old and new accepted during the swap, the old refused after', async () => {
    // A renewal keeps the subject: two pinned certificates with the same name must both work.
    const b2 = consoleCertificate('console-b.plant.example');
    const server = await serverPinning([b]);
    const oldClient = clientOf(b, [a], server.port);
    expect((await oldClient.request(ping)).ok).toBe(true);

    // B announces b2 before serving it.
    expect(server.replacePins([b.certPem, b2.certPem]).ok).toBe(true);
    const newClient = clientOf(b2, [a], server.port);
    expect((await oldClient.request(ping)).ok).toBe(true);
    expect((await newClient.request(ping)).ok).toBe(true);

    // B now serves b2: the swap completes and b is a stranger again, on new and kept-alive connections.
    expect(server.replacePins([b2.certPem]).ok).toBe(true);
    expect(await oldClient.request(ping)).toMatchObject({
      ok: false,
      code: 'PEER_REFUSED',
      status: 403,
      peerCode: 'PEER_CERTIFICATE_NOT_PINNED',
    });
    expect((await newClient.request(ping)).ok).toBe(true);
    expect(server.accepted).toEqual([fp(b), fp(b), fp(b2), fp(b2)]);
  });

  it('this console replaces its server certificate: the peer trusts both during the swap, then only the new one', async () => {
    const a2 = consoleCertificate('console-a.plant.example');
    const server = await serverPinning([b]);
    const client = clientOf(b, [a], server.port);
    expect(await client.request(ping)).toMatchObject({ ok: true, fingerprint: fp(a) });

    expect(client.replacePins([a.certPem, a2.certPem]).ok).toBe(true);
    expect(await client.request(ping)).toMatchObject({ ok: true, fingerprint: fp(a) });
    server.replaceIdentity({ key: a2.keyPem, cert: a2.certPem });
    // New connections see a2; the pin set holds both until the swap is declared complete.
    expect(client.replacePins([a.certPem, a2.certPem]).ok).toBe(true);
    expect(await client.request(ping)).toMatchObject({ ok: true, fingerprint: fp(a2) });

    expect(client.replacePins([a2.certPem]).ok).toBe(true);
    expect(await client.request(ping)).toMatchObject({ ok: true, fingerprint: fp(a2) });
    // A console still showing the old certificate is now refused.
    const stale = await serverPinning([b], a);
    expect(await clientOf(b, [a2], stale.port).request(ping)).toMatchObject({ ok: false, code: 'PEER_CERTIFICATE_MISMATCH' });
  });

  it('refuses to pin nothing or something that is not a certificate, and keeps the pins it had', async () => {
    const server = await serverPinning([b]);
    expect(server.replacePins([])).toMatchObject({ ok: false, code: 'PEER_PIN_INVALID' });
    expect(server.replacePins(['not a certificate'])).toMatchObject({
      ok: false,
      code: 'PEER_PIN_INVALID',
      message: 'Peer certificate 1 is not a PEM X.509 certificate.',
    });
    expect((await clientOf(b, [a], server.port).request(ping)).ok).toBe(true);
  });
});

describe('peer transport: stalled links', () => {
  it('a blackholed answer ends in PEER_TIMEOUT after the read-idle time, not never', async () => {
    const server = await serverPinning([b]);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => proxy.close());
    const client = clientOf(b, [a], proxy.port, { idleTimeoutMs: 300, totalTimeoutMs: 60_000 });
    expect((await client.request(ping)).ok).toBe(true);

    proxy.set('server-to-client', { mode: 'blackhole' });
    const stalled = await client.request(ping);
    expect(stalled).toMatchObject({ ok: false, code: 'PEER_TIMEOUT' });
    if (!stalled.ok) expect(stalled.message).toContain('received nothing for 300 ms');
    // The request itself got through: only the answer was lost.
    expect(server.accepted).toHaveLength(2);
    expect(proxy.swallowed('server-to-client')).toBeGreaterThan(0);

    proxy.set('server-to-client', { mode: 'pass' });
    expect((await client.request(ping)).ok).toBe(true);
  });

  it('a link blackholed from the start (the handshake never completes) ends in PEER_TIMEOUT', async () => {
    const server = await serverPinning([b]);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => proxy.close());
    proxy.set('both', { mode: 'blackhole' });
    const result = await clientOf(b, [a], proxy.port, { idleTimeoutMs: 300 }).request(ping);
    expect(result).toMatchObject({ ok: false, code: 'PEER_TIMEOUT' });
    expect(server.accepted).toEqual([]);
  });

  it('an answer that trickles forever is cut by the overall bound', async () => {
    const server = await serverPinning([b]);
    const result = await clientOf(b, [a], server.port, { idleTimeoutMs: 10_000, totalTimeoutMs: 400 }).request({
      path: '/trickle',
      response: pingResponse,
    });
    expect(result).toMatchObject({ ok: false, code: 'PEER_TIMEOUT' });
    if (!result.ok) expect(result.message).toContain('did not answer within 400 ms');
  });
});
