import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCertificate } from '../support/certs.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { waitFor } from '../support/wait-for.ts';

// A TCP server that records what it received and echoes it back.
async function startEcho(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

type Client = { socket: net.Socket; received: () => string; error: () => NodeJS.ErrnoException | undefined };

function connect(proxy: FaultProxy): Promise<Client> {
  return new Promise((resolve, reject) => {
    let received = '';
    let error: NodeJS.ErrnoException | undefined;
    const socket = net.connect(proxy.port, proxy.host);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', (e) => (error = e));
    socket.once('connect', () => resolve({ socket, received: () => received, error: () => error }));
    socket.once('error', reject);
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const echo = await startEcho();
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: echo.port });
  cleanups.push(
    () => echo.close(),
    () => proxy.close(),
  );
  return { echo, proxy };
}

describe('fault proxy', () => {
  it('passes bytes both ways and counts its connections', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    client.socket.write('hello');
    await waitFor('the echo', () => client.received() === 'hello');
    expect(echo.received()).toBe('hello');
    expect(proxy.connections()).toBe(1);
    client.socket.destroy();
    await waitFor('the connection to go', () => proxy.connections() === 0);
  });

  it('delays each chunk by at least the given time, in order', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('client-to-server', { mode: 'delay', ms: 150 });
    const sent = performance.now();
    client.socket.write('one,');
    client.socket.write('two');
    await waitFor('the delayed echo', () => client.received() === 'one,two');
    // Timers may round down by a millisecond; the delay itself is the proxy's promise.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(149);
  });

  it('holds bytes while paused and releases them, in order, on resume', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('client-to-server', { mode: 'pause' });
    client.socket.write('held-');
    client.socket.write('bytes');
    await waitFor('the proxy to hold the bytes', () => proxy.held('client-to-server') === 10);
    expect(echo.received()).toBe('');
    proxy.set('client-to-server', { mode: 'pass' });
    await waitFor('the released echo', () => client.received() === 'held-bytes');
    expect(proxy.held('client-to-server')).toBe(0);
  });

  it('pauses one direction only: the server gets the bytes, the answer is held', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('server-to-client', { mode: 'pause' });
    client.socket.write('ping');
    await waitFor('the server to receive', () => echo.received() === 'ping');
    await waitFor('the answer to be held', () => proxy.held('server-to-client') === 4);
    expect(client.received()).toBe('');
    proxy.set('server-to-client', { mode: 'pass' });
    await waitFor('the answer', () => client.received() === 'ping');
  });

  it('closes the server side once the client has closed, even if the server never ends on its own', async () => {
    // A server that keeps its half open after the client's end, as a console does with a connection it
    // still means to answer on: the proxy must not hold that connection (and its descriptors) for good.
    const held = new Set<net.Socket>();
    const lingering = net.createServer({ allowHalfOpen: true }, (socket) => {
      held.add(socket);
      socket.resume(); // reads (and drops) what arrives, so that it sees the end
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => lingering.listen(0, '127.0.0.1', resolve));
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: (lingering.address() as net.AddressInfo).port });
    cleanups.push(
      () => new Promise<void>((resolve) => (held.forEach((s) => s.destroy()), lingering.close(() => resolve()))),
      () => proxy.close(),
    );
    const client = await connect(proxy);
    client.socket.write('request');
    await waitFor('the server to see the connection', () => held.size === 1);
    const [serverSide] = [...held];
    const serverClosed = new Promise<void>((resolve) => serverSide!.once('end', () => resolve()));
    client.socket.destroy();
    await waitFor('the connection to go', () => proxy.connections() === 0);
    // The server saw a clean end: the proxy closed its side as a client that went away would.
    await serverClosed;
  });

  it('still delivers what a pause held past the linger after the client ended its side', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('server-to-client', { mode: 'pause' });
    client.socket.end('held');
    await waitFor('the answer held', () => proxy.held('server-to-client') === 4);
    // Longer than the 2 s a half-closed connection is given: what is held keeps it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    proxy.set('server-to-client', { mode: 'pass' });
    await waitFor('the held answer', () => client.received() === 'held');
    await waitFor('the connection to go', () => proxy.connections() === 0);
  });

  it('keeps a blackholed connection until its server ends it, then lets it go', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    client.socket.write('x');
    await waitFor('the echo', () => client.received() === 'x');
    proxy.set('both', { mode: 'blackhole' });
    client.socket.destroy();
    // The client's end is swallowed: the echo server does not learn of it, so the connection stays.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proxy.connections()).toBe(1);
    await echo.close();
    await waitFor('the connection to go', () => proxy.connections() === 0);
  });

  it('blackholes bytes without an error on either side, and the link works again after', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('both', { mode: 'blackhole' });
    client.socket.write('lost');
    await waitFor('the bytes to be swallowed', () => proxy.swallowed('client-to-server') === 4);
    expect(echo.received()).toBe('');
    expect(client.error()).toBeUndefined();
    proxy.set('both', { mode: 'pass' });
    client.socket.write('after');
    await waitFor('the echo after the blackhole', () => client.received() === 'after');
    expect(echo.received()).toBe('after');
  });

  it('swallows what a pause held when the direction turns into a blackhole', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy);
    proxy.set('client-to-server', { mode: 'pause' });
    client.socket.write('doomed');
    await waitFor('the proxy to hold the bytes', () => proxy.held('client-to-server') === 6);
    proxy.set('client-to-server', { mode: 'blackhole' });
    expect(proxy.held('client-to-server')).toBe(0);
    expect(proxy.swallowed('client-to-server')).toBe(6);
    proxy.set('client-to-server', { mode: 'pass' });
    client.socket.write('x');
    await waitFor('the echo', () => client.received() === 'x');
    expect(echo.received()).toBe('x');
  });

  it('resets existing connections and every new one while in reset mode', async () => {
    const { proxy } = await setup();
    const existing = await connect(proxy);
    proxy.set('both', { mode: 'reset' });
    await waitFor('the reset', () => existing.error());
    expect(existing.error()!.code).toBe('ECONNRESET');
    // The reset may land before or after the client sees its handshake complete; either way it is a reset.
    const fresh = net.connect(proxy.port, proxy.host);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => fresh.once('error', resolve));
    expect(error.code).toBe('ECONNRESET');
    proxy.set('both', { mode: 'pass' });
    const after = await connect(proxy);
    after.socket.write('back');
    await waitFor('the echo after the reset', () => after.received() === 'back');
  });

  it('refuses new connections while existing ones carry on, then accepts again on the same port', async () => {
    const { proxy } = await setup();
    const existing = await connect(proxy);
    await proxy.refuse();
    await expect(connect(proxy)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    existing.socket.write('still here');
    await waitFor('the existing connection to work', () => existing.received() === 'still here');
    await proxy.accept();
    const fresh = await connect(proxy);
    fresh.socket.write('again');
    await waitFor('the new connection to work', () => fresh.received() === 'again');
  });

  it('forwards a TLS connection untouched, and pausing it holds the encrypted answer', async () => {
    const made = makeCertificate({ subject: { CN: 'echo.plant.example' } });
    const server = tls.createServer({ key: made.keyPem, cert: made.certPem }, (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    cleanups.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => proxy.close(),
    );

    let received = '';
    const socket = tls.connect({ host: proxy.host, port: proxy.port, ca: made.certPem, servername: 'echo.plant.example' });
    cleanups.push(() => void socket.destroy());
    socket.on('data', (chunk) => (received += chunk.toString()));
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.getPeerX509Certificate()?.fingerprint256).toBe(
      new (await import('node:crypto')).X509Certificate(made.certPem).fingerprint256,
    );

    proxy.set('server-to-client', { mode: 'pause' });
    socket.write('secret');
    await waitFor('the encrypted answer to be held', () => proxy.held('server-to-client') > 0);
    expect(received).toBe('');
    proxy.set('server-to-client', { mode: 'pass' });
    await waitFor('the decrypted echo', () => received === 'secret');
  });
});
