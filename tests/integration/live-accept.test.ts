import { spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveAcceptor, type LiveAcceptStats } from '../../lib/http/live-accept.ts';
import { makeCertificate } from '../support/certs.ts';
import { waitFor } from '../support/wait-for.ts';

// The console's listener hands a connection to TLS only if its client is still there (lib/http/live-accept.ts).
// A client that gave up while its connection waited in the accept queue left its ClientHello and its FIN
// there; the console must not sign a handshake for it.

const HOST = '127.0.0.1';
const made = makeCertificate();
let server: https.Server;
let listener: net.Server;
let stats: LiveAcceptStats;
let port = 0;
let handshakes = 0;
let tlsErrors = 0;
let clientHello: Buffer;

beforeAll(async () => {
  server = https.createServer({ key: made.keyPem, cert: made.certPem }, (req, res) => {
    res.end(`${req.url} from ${req.socket.remoteAddress}`);
  });
  server.on('secureConnection', () => handshakes++);
  server.on('tlsClientError', () => tlsErrors++);
  ({ listener, stats } = liveAcceptor(server, { firstBytesTimeoutMs: 300 }));
  await new Promise<void>((resolve) => listener.listen(0, HOST, resolve));
  port = (listener.address() as net.AddressInfo).port;
  clientHello = await captureClientHello();
});

afterAll(async () => {
  listener.close();
  server.close();
  server.closeAllConnections();
});

// A real ClientHello, as the first bytes a TLS client sends.
async function captureClientHello(): Promise<Buffer> {
  const capture = net.createServer();
  await new Promise<void>((resolve) => capture.listen(0, HOST, resolve));
  const hello = new Promise<Buffer>((resolve) => capture.once('connection', (socket) => socket.once('data', resolve)));
  const client = tls.connect({ host: HOST, port: (capture.address() as net.AddressInfo).port, rejectUnauthorized: false });
  client.on('error', () => undefined);
  const bytes = await hello;
  client.destroy();
  capture.close();
  return bytes;
}

const get = (agent: https.Agent, path: string) =>
  new Promise<string>((resolve, reject) => {
    https
      .get({ host: HOST, port, path, agent, rejectUnauthorized: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });

describe('the listener in front of the HTTPS server', () => {
  it('hands live connections to TLS: keep-alive requests on one handshake, the client address kept', async () => {
    const before = { handshakes, handedOver: stats.handedOver };
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(agent, '/one')).toBe(`/one from ${HOST}`);
      expect(await get(agent, '/two')).toBe(`/two from ${HOST}`);
      expect(await get(agent, '/three')).toBe(`/three from ${HOST}`);
    } finally {
      agent.destroy();
    }
    expect(handshakes - before.handshakes).toBe(1);
    expect(stats.handedOver - before.handedOver).toBe(1);
  });

  it('drops, without a handshake, a connection whose client sent its ClientHello and left before it was read', async () => {
    const before = { handshakes, tlsErrors, dropped: stats.dropped, handedOver: stats.handedOver };
    // Another process connects, sends the ClientHello and its FIN, and exits, while this one is busy and
    // reads nothing: both wait in the kernel, as behind a full accept queue.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').connect(${port}, '${HOST}', () => s.end(Buffer.from('${clientHello.toString('hex')}', 'hex')));
         s.on('finish', () => process.exit(0)); s.on('error', () => process.exit(2));`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    busy(1500);
    expect(await exited).toBe(0);
    await waitFor('the connection to be decided', () => stats.dropped + stats.handedOver > before.dropped + before.handedOver, 5000);
    expect(stats.dropped - before.dropped).toBe(1);
    expect(stats.handedOver).toBe(before.handedOver);
    // TLS never saw it: no handshake, not even a failed one.
    expect(handshakes).toBe(before.handshakes);
    expect(tlsErrors).toBe(before.tlsErrors);
  });

  it('hands over a client that sent its ClientHello and waits, even when it was read late', async () => {
    const before = { handshakes, handedOver: stats.handedOver };
    const client = tls.connect({ host: HOST, port, rejectUnauthorized: false });
    const connected = new Promise<void>((resolve, reject) => client.once('secureConnect', resolve).once('error', reject));
    // The ClientHello goes out once the TCP connection is up; this process then reads nothing for a while
    // (less than the first-bytes timeout of 300 ms set above).
    await new Promise((resolve) => client.once('connect', resolve));
    busy(150);
    await connected;
    // TLS 1.3: the server's side completes when the client's Finished reaches it, after the client's.
    await waitFor('the server to complete the handshake', () => handshakes > before.handshakes, 5000);
    client.destroy();
    expect(handshakes - before.handshakes).toBe(1);
    expect(stats.handedOver - before.handedOver).toBe(1);
  });

  // budget 0: one handshake per turn of the event loop; the default, 10 ms of them (a handshake here takes
  // over a millisecond: an RSA-2048 signature).
  it.each([
    { budget: 'none', handoverBudgetMs: 0 },
    { budget: 'the default', handoverBudgetMs: undefined },
  ])(
    'hands over limited handshake work per turn ($budget), so connections already up are answered meanwhile',
    async ({ handoverBudgetMs }) => {
      const one = liveAcceptor(server, handoverBudgetMs === undefined ? {} : { handoverBudgetMs });
      await new Promise<void>((resolve) => one.listener.listen(0, HOST, resolve));
      const onePort = (one.listener.address() as net.AddressInfo).port;
      const up = tls.connect({ host: HOST, port: onePort, rejectUnauthorized: false });
      await new Promise((resolve) => up.once('secureConnect', resolve));
      const answered = new Promise<void>((resolve) => up.once('data', () => resolve()));
      const clients = 60;
      // Another process opens the connections first, then sends a ClientHello on every one at once: they all
      // wait in the queue together, as when a fleet fails over.
      const child = spawn(
        process.execPath,
        [
          '-e',
          `const net = require('node:net'); const hello = Buffer.from('${clientHello.toString('hex')}', 'hex'); const sockets = [];
         for (let i = 0; i < ${clients}; i++) {
           const s = net.connect(${onePort}, '${HOST}', () => { if (sockets.push(s) === ${clients}) for (const t of sockets) t.write(hello); });
           s.on('error', () => process.exit(2));
         }
         process.stdin.on('end', () => process.exit(0)).resume();`,
        ],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // Checked every turn: the queue drains in a fraction of a second.
      await everyTurnUntil(() => one.stats.waiting >= 10, 10_000);
      const atRequest = one.stats.handedOver;
      const waitingAtRequest = one.stats.waiting;
      up.write(`GET /meanwhile HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      await answered;
      // Only the handshakes of the few turns until the answer came, not every one that was waiting.
      expect(one.stats.handedOver - atRequest).toBeLessThan(waitingAtRequest);
      await everyTurnUntil(() => one.stats.handedOver === clients + 1, 10_000);
      child.stdin!.end();
      expect(await exited).toBe(0);
      up.destroy();
      one.listener.close();
    },
  );

  it('lets go a client that connects and sends nothing, after the first-bytes timeout', async () => {
    const before = stats.dropped;
    const socket = net.connect(port, HOST);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await closed;
    expect(stats.dropped - before).toBe(1);
  });
});

function everyTurnUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out after ${timeoutMs} ms`));
      else setImmediate(check);
    };
    check();
  });
}

// Keeps this process's event loop from running (nothing is read from any socket meanwhile).
function busy(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
