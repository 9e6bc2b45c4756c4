import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { certificateFingerprint } from '../../lib/pki/fingerprint.ts';
import { registerChallengeResponse } from '../../lib/sensors/protocol.ts';
import { clientProof, newNonce } from '../../lib/token-proof/proof.ts';
import { PinnedAgent, postJson, registrationAgent } from '../../sensor/client.ts';
import { registerOnce } from '../../sensor/registration.ts';
import { makeCertificate } from '../support/certs.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';
import { heartbeatBody, registerBody, sensorSnapshot } from './sensors-helpers.ts';

// Registration's token proof against a real console over real TLS: the agent registers without the
// token ever crossing the wire; a relay with its own certificate learns no token and both sides refuse;
// replays are refused; the throttles refuse the right callers only; guards answer before the body.
const HOST = '127.0.0.26';
const RELAY_HOST = '127.0.0.27';
let dataDir: string;
let agentsDir: string;
let database: TestDatabase;
let running: RunningConsole;
let port: number;
let token: string;
let consoleCert: string;

let clientIp = 0;
function nextClientIp(): string {
  clientIp += 1;
  return `127.10.${(clientIp >> 8) & 255}.${clientIp & 255 || 1}`;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-token-proof-'));
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-token-proof-agents-'));
  database = await createTestDatabase();
  port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url },
    { logFile: path.join(dataDir, 'console.out') },
  );
  consoleCert = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  process.env.DATABASE_URL = database.url;
  token = (await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).connectionToken;
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await disconnectDb();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(agentsDir, { recursive: true, force: true });
});

function runAgent(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sensor/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

// A machine in the middle: terminates TLS with its own certificate and relays the plaintext to the
// console over a TLS connection of its own, recording everything the client sent.
async function startRelay(): Promise<{ port: number; captured: () => string; close: () => void; fingerprint: string }> {
  const cert = makeCertificate();
  const seen: Buffer[] = [];
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (client) => {
    const upstream = tls.connect({ host: HOST, port, rejectUnauthorized: false });
    client.on('data', (chunk: Buffer) => {
      seen.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  const relayPort = await freePort(RELAY_HOST);
  await new Promise<void>((resolve) => server.listen(relayPort, RELAY_HOST, resolve));
  return {
    port: relayPort,
    captured: () => Buffer.concat(seen).toString('latin1'),
    close: () => server.close(),
    fingerprint: certificateFingerprint(cert.certPem),
  };
}

// Registration steps done by hand, so that a test can do what an honest client would not: send step 2
// after the console's proof failed, with a proof made from `proofToken` over the certificate it saw.
async function stubbornRegister(target: { host: string; port: number }, proofToken: string, name: string, from = nextClientIp()) {
  const fresh = registrationAgent(1, { localAddress: from });
  try {
    const clientNonce = newNonce();
    const step1 = await postJson({
      agent: fresh,
      ...target,
      path: '/api/v1/sensors/register/challenge',
      body: JSON.stringify({ protocol: 1, clientNonce }),
      timeoutMs: 10_000,
      capturePeer: true,
    });
    if (step1.status !== 200) return step1;
    const challenge = registerChallengeResponse.parse(step1.json);
    const seen = step1.peerFingerprint!;
    const proof = clientProof(proofToken, {
      purpose: 'sensor-registration',
      clientNonce,
      serverNonce: challenge.serverNonce,
      fingerprint: seen,
    });
    return await postJson({
      agent: fresh,
      ...target,
      path: '/api/v1/sensors/register',
      authorization: `Proof ${challenge.challengeId}:${proof}`,
      body: JSON.stringify(registerBody(name)),
      timeoutMs: 10_000,
    });
  } finally {
    fresh.destroy();
  }
}

describe('registration by token proof over real TLS', () => {
  it('the sensor agent registers without the token ever crossing the wire', async () => {
    const connect = `${HOST}:${port}:${token}`;
    const relay = await startRelay();
    try {
      // Through a transparent relay that forwards to the console but shows its own certificate.
      const intercepted = await runAgent([
        '--connect',
        `${RELAY_HOST}:${relay.port}:${token}`,
        '--name',
        'proof-relayed',
        '--data-dir',
        agentsDir,
        '--register-only',
      ]);
      expect(intercepted.code).toBe(1);
      expect(intercepted.output).toMatch(
        new RegExp(
          `ot-sensor: Refusing to register with ${RELAY_HOST.replaceAll('.', '\\.')}:${relay.port}: Something between this client and .* is intercepting TLS: the console proved the token over its certificate \\(SHA-256 ${certificateFingerprint(consoleCert)}\\) but this connection presented ${relay.fingerprint}`,
        ),
      );
      expect(existsSync(path.join(agentsDir, 'proof-relayed', 'identity.json'))).toBe(false);
      // What the relay saw: a challenge request and nothing else; no token, no proof, no registration.
      const captured = relay.captured();
      expect(captured).toContain('POST /api/v1/sensors/register/challenge');
      expect(captured).not.toContain(token);
      expect(captured).not.toMatch(/POST \/api\/v1\/sensors\/register /);
      expect(captured).not.toContain('Proof ');
    } finally {
      relay.close();
    }
    expect(await db().sensor.count({ where: { name: 'proof-relayed' } })).toBe(0);

    const direct = await runAgent(['--connect', connect, '--name', 'proof-direct', '--data-dir', agentsDir, '--register-only']);
    expect(direct.code, direct.output).toBe(0);
    const identity = JSON.parse(await readFile(path.join(agentsDir, 'proof-direct', 'identity.json'), 'utf8')) as {
      consoleFingerprint: string;
    };
    expect(identity.consoleFingerprint).toBe(certificateFingerprint(consoleCert));
    expect(await db().sensor.count({ where: { name: 'proof-direct' } })).toBe(1);
    // The console's logs never saw the token either.
    for (const file of await readdir(path.join(dataDir, 'logs')))
      expect(await readFile(path.join(dataDir, 'logs', file), 'utf8')).not.toContain(token);
  }, 60_000);

  it('through a relay the console refuses too: a client that goes on anyway proves over the wrong certificate', async () => {
    const relay = await startRelay();
    const before = await sensorSnapshot();
    try {
      const reply = await stubbornRegister({ host: RELAY_HOST, port: relay.port }, token, 'proof-stubborn');
      expect(reply.status).toBe(401);
      expect(reply.json).toMatchObject({ code: 'WRONG_PROOF' });
      // Replaying what the relay captured, straight to the console, gets nowhere either.
      const step2 = /POST \/api\/v1\/sensors\/register HTTP[\s\S]*?authorization: (Proof \S+)/i.exec(relay.captured())?.[1];
      expect(step2).toMatch(/^Proof /);
      const replayed = await postJson({
        agent: registrationAgent(1),
        host: HOST,
        port,
        path: '/api/v1/sensors/register',
        authorization: step2!,
        body: JSON.stringify(registerBody('proof-stubborn')),
        timeoutMs: 10_000,
      });
      expect(replayed.json).toMatchObject({ code: 'CHALLENGE_EXPIRED' });
    } finally {
      relay.close();
    }
    expect(await sensorSnapshot()).toBe(before);
  });

  it('a wrong token: the agent says so and sends nothing more; nothing is stored', async () => {
    const before = await sensorSnapshot();
    const outcome = await registerOnce({
      host: HOST,
      port,
      token: 'w'.repeat(32),
      request: { name: 'proof-wrong', version: '0.1.0' },
      localAddress: nextClientIp(),
    });
    expect(outcome).toMatchObject({ ok: false, fatal: true, code: 'WRONG_TOKEN' });
    expect(outcome.ok ? '' : outcome.message).toMatch(
      /The token does not match this console's connection string\. Copy it again from System Settings → Sensor Setup/,
    );
    expect(await sensorSnapshot()).toBe(before);
  });

  it('wrong proofs from one address get 429 with Retry-After; a right proof from another address still registers', async () => {
    const guesser = nextClientIp();
    for (let i = 0; i < 10; i++)
      expect((await stubbornRegister({ host: HOST, port }, 'g'.repeat(32), 'proof-guess', guesser)).status).toBe(401);
    const refused = await stubbornRegister({ host: HOST, port }, token, 'proof-guess', guesser);
    expect(refused.status).toBe(429);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.json).toMatchObject({ code: 'THROTTLED' });
    expect(await db().sensor.count({ where: { name: 'proof-guess' } })).toBe(0);
    const other = await registerOnce({
      host: HOST,
      port,
      token,
      request: { name: 'proof-guess', version: '0.1.0' },
      localAddress: nextClientIp(),
    });
    expect(other.ok).toBe(true);
  });
});

// One raw HTTP/1.1 request over TLS whose body is announced but never finished: resolves with the
// first bytes of the answer, and whether the socket was still open for writing when they came.
function answerWhileBodyOpen(
  pathname: string,
  authorization: string,
  from: string,
): Promise<{ head: string; writable: boolean; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    // localAddress reaches the underlying net.Socket (the tls typings leave it out).
    const socket = tls.connect({ host: HOST, port, rejectUnauthorized: false, localAddress: from } as tls.ConnectionOptions, () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\nAuthorization: ${authorization}\r\n\r\n{"protocol":1,`,
      );
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) resolve({ head: text, writable: socket.writable, socket });
    });
    socket.on('error', reject);
  });
}

describe('guards answer before the body is read', () => {
  it('a bad or wrong credential gets its 401 while the body is still open; a valid one waits for it', async () => {
    const sensor = await registerOnce({
      host: HOST,
      port,
      token,
      request: { name: 'proof-body', version: '0.1.0' },
      localAddress: nextClientIp(),
    });
    if (!sensor.ok) throw new Error(sensor.message);
    const { sensorId, credential } = sensor.response;
    for (const authorization of ['Sensor nonsense', `Sensor ${sensorId}:${'Z'.repeat(43)}`, `Sensor ${randomUUID()}:${credential}`]) {
      const answer = await answerWhileBodyOpen('/api/v1/sensors/events', authorization, nextClientIp());
      expect(answer.head, authorization).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer.writable).toBe(true);
      expect(answer.head.toLowerCase()).toContain('connection: close');
      answer.socket.destroy();
    }
    // Registration step 2 too: no proof, no body read.
    const register = await answerWhileBodyOpen('/api/v1/sensors/register', `Bearer ${token}`, nextClientIp());
    expect(register.head).toMatch(/^HTTP\/1\.1 401 /);
    register.socket.destroy();

    // The right credential: the console waits for the body, and answers once it is complete.
    const body = JSON.stringify(heartbeatBody());
    const ok = await new Promise<string>((resolve, reject) => {
      let text = '';
      let finished = false;
      const socket = tls.connect({ host: HOST, port, rejectUnauthorized: false }, () => {
        socket.write(
          `POST /api/v1/sensors/heartbeat HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAuthorization: Sensor ${sensorId}:${credential}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
        );
        // Nothing may come back before the rest of the body: the first byte of an answer fails the test.
        setImmediate(() => {
          finished = true;
          socket.write(body.slice(10));
        });
      });
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        if (!finished) reject(new Error(`answered before the body was complete: ${chunk}`));
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a valid sensor is accepted from an address where another sensor id failed many times', async () => {
    const nat = nextClientIp();
    const good = await registerOnce({
      host: HOST,
      port,
      token,
      request: { name: 'proof-nat-good', version: '0.1.0' },
      localAddress: nextClientIp(),
    });
    if (!good.ok) throw new Error(good.message);
    const agent = new PinnedAgent(certificateFingerprint(consoleCert), 2, { localAddress: nat });
    try {
      const beat = (authorization: string) =>
        postJson({
          agent,
          host: HOST,
          port,
          path: '/api/v1/sensors/heartbeat',
          authorization,
          body: JSON.stringify(heartbeatBody()),
          timeoutMs: 10_000,
        });
      const broken = `Sensor ${randomUUID()}:${good.response.credential}`;
      for (let i = 0; i < 30; i++) expect((await beat(broken)).status).toBe(401);
      const throttled = await beat(broken);
      expect(throttled.status).toBe(429);
      expect(throttled.retryAfterMs).toBeGreaterThan(0);
      expect((await beat(`Sensor ${good.response.sensorId}:${good.response.credential}`)).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
