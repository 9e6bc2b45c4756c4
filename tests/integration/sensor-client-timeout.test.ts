import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleUnreachableError, PinnedAgent, postJson } from '../../sensor/client.ts';
import { makeCertificate } from '../support/certs.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { waitFor } from '../support/wait-for.ts';

// A console behind a link that swallows every packet: TCP connects (the link's proxy accepts), but no TLS
// handshake ever answers. The agent's requests must still end at their timeout, and the connections it
// opened must be given up, or the sensor waits for ever and never fails over (sensor/failover.ts counts
// the misses it never gets).

const HOST = '127.0.0.1';
let server: Server;
let port = 0;
const accepted: Socket[] = [];
const closed = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    accepted.push(socket);
    socket.on('data', () => undefined); // read and drop the ClientHello
    socket.on('close', () => closed.add(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const post = (agent: PinnedAgent, timeoutMs: number) =>
  postJson({ agent, host: HOST, port, path: '/api/v1/sensors/heartbeat', body: '{}', timeoutMs });

describe('a request to a console whose TLS handshake never answers', () => {
  it('fails at its timeout as unreachable, and the agent gives the connection up and takes new requests', async () => {
    const handshakeTimeoutMs = 1500;
    // One socket: a connection left hanging would keep every later request from starting.
    const agent = new PinnedAgent('AB'.repeat(32), 1, {}, { handshakeTimeoutMs });
    try {
      const first = await post(agent, 300).then(
        () => null,
        (error: unknown) => error,
      );
      expect(first).toBeInstanceOf(ConsoleUnreachableError);
      expect((first as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      expect((first as Error).message).toBe(`${HOST}:${port} did not answer within 0.3 s`);
      expect(accepted.length).toBe(1);

      // The unanswered handshake is abandoned by the agent, not left open for as long as TCP allows.
      await waitFor('the agent to close the unanswered connection', () => closed.has(accepted[0]!), 10_000);

      const second = await post(agent, 300).then(
        () => null,
        (error: unknown) => error,
      );
      expect((second as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      await waitFor('a second connection attempt', () => accepted.length === 2, 10_000);
    } finally {
      agent.destroy();
    }
  });
});

describe('connection attempts to a console busy in handshakes', () => {
  it('are made one at a time per sensor: requests meanwhile wait for the attempt under way, and queue no more', async () => {
    const before = accepted.length;
    // Room for four connections, one attempt at a time (one sensor).
    const agent = new PinnedAgent('AB'.repeat(32), 4, {}, { handshakeTimeoutMs: 1000, maxConnecting: 1 });
    try {
      const failures = await Promise.all(
        [post(agent, 300), post(agent, 300), post(agent, 300)].map((p) =>
          p.then(
            () => null,
            (e: unknown) => e,
          ),
        ),
      );
      for (const failure of failures) expect((failure as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      for (const failure of failures) expect((failure as Error).message).toBe(`${HOST}:${port} did not answer within 0.3 s`);
      // Three requests timed out, and one handshake is still unanswered: only one connection so far.
      expect(accepted.length - before).toBe(1);
      await waitFor('the attempt to give up', () => closed.has(accepted[before]!), 10_000);
      // No attempt was left queued behind it for the requests that are gone.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(accepted.length - before).toBe(1);
      // The next request makes the next attempt.
      const next = await post(agent, 300).then(
        () => null,
        (e: unknown) => e,
      );
      expect((next as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      expect(accepted.length - before).toBe(2);
    } finally {
      agent.destroy();
    }
  });
});

// A console whose handshakes are slow (the link delays what it sends by 500 ms): a request made while the
// connection is still being set up goes on that connection once it is up, within its own time.
describe('a request made while its connection is still in its handshake', () => {
  const made = makeCertificate();
  const pin = new X509Certificate(made.certPem).fingerprint256;
  let console_: https.Server;
  let proxy: FaultProxy;
  let handshakes = 0;

  beforeAll(async () => {
    console_ = https.createServer({ key: made.keyPem, cert: made.certPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    console_.on('secureConnection', () => handshakes++);
    await new Promise<void>((resolve) => console_.listen(0, HOST, resolve));
    proxy = await startFaultProxy({ host: HOST, port: (console_.address() as { port: number }).port }, HOST);
    proxy.set('server-to-client', { mode: 'delay', ms: 500 });
  });

  afterAll(async () => {
    await proxy.close();
    console_.closeAllConnections();
    await new Promise((resolve) => console_.close(resolve));
  });

  it('waits for it and is answered on it: one handshake, not one per request', async () => {
    const agent = new PinnedAgent(pin, 4, {}, { maxConnecting: 1 });
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const send = (timeoutMs: number) =>
      postJson({ agent, host: proxy.host, port: proxy.port, path: '/api/v1/sensors/heartbeat', body: '{}', timeoutMs }).then(
        (reply) => reply,
        (error: unknown) => error as ConsoleUnreachableError,
      );
    try {
      // The first request's handshake answer takes 500 ms: it fails at 300.
      const first = send(300);
      await at(350);
      // The second comes while that handshake is under way, with time enough for it.
      const second = send(2000);
      expect(((await first) as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      expect(await second).toMatchObject({ status: 200, json: { ok: true } });
      expect(handshakes).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

// A console that answers, but late: the request fails at its timeout (the heartbeat is a miss), and the
// connection waits for the late answer and is used again, instead of costing the console a new handshake.
describe('a request to a console that answers after the timeout', () => {
  const made = makeCertificate();
  const pin = new X509Certificate(made.certPem).fingerprint256;
  let console_: https.Server;
  let consolePort = 0;
  const connections: Socket[] = [];
  let delayMs = 0;

  beforeAll(async () => {
    console_ = https.createServer({ key: made.keyPem, cert: made.certPem }, (_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
    });
    console_.on('secureConnection', (socket) => connections.push(socket));
    await new Promise<void>((resolve) => console_.listen(0, HOST, resolve));
    consolePort = (console_.address() as { port: number }).port;
  });

  afterAll(async () => {
    console_.closeAllConnections();
    await new Promise((resolve) => console_.close(resolve));
  });

  const postLate = (agent: PinnedAgent, lateAnswerMs: number) =>
    postJson({ agent, host: HOST, port: consolePort, path: '/api/v1/sensors/heartbeat', body: '{}', timeoutMs: 300, lateAnswerMs }).then(
      (reply) => reply,
      (error: unknown) => error as ConsoleUnreachableError,
    );

  it('fails at its timeout, then reuses the connection once the late answer has arrived', async () => {
    const agent = new PinnedAgent(pin, 1);
    try {
      delayMs = 700;
      const first = await postLate(agent, 5000);
      expect((first as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      // The late answer frees the connection; the next request goes on it, with no new handshake.
      await waitFor('the connection back in the pool', () => Object.values(agent.freeSockets).flat().length === 1, 10_000);
      delayMs = 0;
      const second = await postLate(agent, 5000);
      expect(second).toMatchObject({ status: 200, json: { ok: true } });
      expect(connections).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  it('gives the connection up when the answer is later still than the wait for it', async () => {
    const before = connections.length;
    const agent = new PinnedAgent(pin, 1);
    try {
      delayMs = 3000;
      const first = await postLate(agent, 200);
      expect((first as ConsoleUnreachableError).code).toBe('ETIMEDOUT');
      await waitFor('the connection to be closed', () => connections[before]?.destroyed === true, 10_000);
      delayMs = 0;
      expect(await postLate(agent, 200)).toMatchObject({ status: 200 });
      expect(connections).toHaveLength(before + 2);
    } finally {
      agent.destroy();
    }
  });
});
