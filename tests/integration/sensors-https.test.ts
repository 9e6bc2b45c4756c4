import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { certificateFingerprint } from '../../lib/pki/fingerprint.ts';
import {
  eventsResponse,
  heartbeatResponse,
  MAX_BODY_BYTES,
  registerChallengeResponse,
  registerResponse,
  sensorEvent,
} from '../../lib/sensors/protocol.ts';
import { clientProof, newNonce } from '../../lib/token-proof/proof.ts';
import { registerOnce } from '../../sensor/registration.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';
import {
  nearValid,
  oversizedBody,
  randomBytesBody,
  randomJsonBody,
  validEvents,
  validHeartbeat,
  validRegister,
} from './sensors-arbitraries.ts';
import { events, eventsBody, heartbeatBody, registerBody, sensorSnapshot } from './sensors-helpers.ts';

// The sensor protocol over real HTTPS against a real console (server.ts and its sensor fast path).
const HOST = '127.0.0.24';
let dataDir: string;
let database: TestDatabase;
let running: RunningConsole;
let base: string;
let ca: string;
let token: string;

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; json: unknown };

let clientIp = 0;
// Each request from its own loopback address unless told otherwise: the console throttles refusals per
// address, and a property run must not throttle itself.
function nextClientIp(): string {
  clientIp += 1;
  return `127.9.${(clientIp >> 8) & 255}.${clientIp & 255 || 1}`;
}

function send(
  pathname: string,
  options: { body?: Buffer | string | object; authorization?: string; method?: string; chunked?: boolean; from?: string } = {},
): Promise<Reply> {
  const raw =
    options.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${base}${pathname}`,
      {
        method: options.method ?? 'POST',
        ca,
        agent: false,
        localAddress: options.from ?? nextClientIp(),
        headers: {
          'content-type': 'application/json',
          ...(options.chunked ? {} : { 'content-length': String(raw.length) }),
          ...(options.authorization ? { authorization: options.authorization } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // left as text: the assertions say what was expected
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      // Streamed in pieces without a Content-Length, as a client that does not know the size sends it.
      for (let i = 0; i < raw.length; i += 16_384) req.write(raw.subarray(i, i + 16_384));
      req.end();
    } else req.end(raw);
  });
}

// Both registration steps as the sensor agent does them (the token never sent).
async function register(name: string) {
  const r = await registerOnce({
    host: HOST,
    port: Number(new URL(base).port),
    token,
    request: { name, version: '0.1.0' },
    localAddress: nextClientIp(),
  });
  if (!r.ok) throw new Error(`registration refused: ${r.message}`);
  return { ...r.response, auth: `Sensor ${r.response.sensorId}:${r.response.credential}` };
}

// Step 1 over HTTPS and a proof made with `proofToken` over the console's certificate: "Authorization: Proof …".
async function proofHeader(proofToken: string): Promise<string> {
  const clientNonce = newNonce();
  const r = await send('/api/v1/sensors/register/challenge', { body: { protocol: 1, clientNonce } });
  const challenge = registerChallengeResponse.parse(r.json);
  const fingerprint = certificateFingerprint(ca);
  const proof = clientProof(proofToken, { purpose: 'sensor-registration', clientNonce, serverNonce: challenge.serverNonce, fingerprint });
  return `Proof ${challenge.challengeId}:${proof}`;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-sensors-https-'));
  database = await createTestDatabase();
  const port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url },
    { logFile: path.join(dataDir, 'console.out') },
  );
  base = running.url;
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  process.env.DATABASE_URL = database.url;
  token = (await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).connectionToken;
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await disconnectDb();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('sensor protocol over HTTPS', () => {
  it('registers with the right token and answers with the fingerprint of the certificate it serves', async () => {
    const r = await register('https-1');
    expect(r.consoleFingerprint).toBe(certificateFingerprint(ca));
    expect(await db().sensor.count({ where: { id: r.sensorId } })).toBe(1);
  });

  it('refuses a wrong token (the agent refuses, the console refuses a wrong proof, 401) and stores nothing', async () => {
    const before = await sensorSnapshot();
    const agent = await registerOnce({
      host: HOST,
      port: Number(new URL(base).port),
      token: 'b'.repeat(32),
      request: { name: 'https-intruder', version: '0.1.0' },
      localAddress: nextClientIp(),
    });
    expect(agent).toMatchObject({ ok: false, fatal: true, code: 'WRONG_TOKEN' });
    const r = await send('/api/v1/sensors/register', {
      body: registerBody('https-intruder'),
      authorization: await proofHeader('b'.repeat(32)),
    });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: 'WRONG_PROOF' });
    const bearer = await send('/api/v1/sensors/register', { body: registerBody('https-intruder'), authorization: `Bearer ${token}` });
    expect(bearer.json).toMatchObject({ code: 'PROOF_REQUIRED' });
    expect(await sensorSnapshot()).toBe(before);
  });

  it('a heartbeat updates the sensor row once the console has flushed its liveness batch', async () => {
    const s = await register('https-hb');
    await db().sensor.update({ where: { id: s.sensorId }, data: { lastHeardAt: null, version: '0.1.0' } });
    const sent = Date.now();
    const r = await send('/api/v1/sensors/heartbeat', {
      body: heartbeatBody({ version: '0.1.7' }),
      authorization: s.auth,
      from: '127.0.0.77',
    });
    const answered = Date.now();
    expect(r.status).toBe(200);
    expect(heartbeatResponse.parse(r.json)).toMatchObject({ role: 'STANDALONE', state: 'ACTIVE', ackedSeq: 0 });
    // Wait for the flush itself (the test's timeout bounds the wait), then check by order of events: the
    // console heard the beat after it was sent and before it answered.
    let row = await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } });
    while (!row.lastHeardAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      row = await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } });
    }
    expect(row).toMatchObject({ version: '0.1.7', ip: '127.0.0.77' });
    expect(row.lastHeardAt.getTime()).toBeGreaterThanOrEqual(sent);
    expect(row.lastHeardAt.getTime()).toBeLessThanOrEqual(answered);
  });

  it('stores a replayed batch once, refuses a gap (409) and an absurd timestamp (400), changing nothing', async () => {
    const s = await register('https-ev');
    const batch = eventsBody(events(1, 5));
    expect((await send('/api/v1/sensors/events', { body: batch, authorization: s.auth })).json).toEqual({
      ackedSeq: 5,
      durableSeq: 5,
      stored: 5,
      duplicates: 0,
    });
    const before = await sensorSnapshot();
    expect((await send('/api/v1/sensors/events', { body: batch, authorization: s.auth })).json).toEqual({
      ackedSeq: 5,
      durableSeq: 5,
      stored: 0,
      duplicates: 5,
    });
    const gap = await send('/api/v1/sensors/events', { body: eventsBody(events(8, 2)), authorization: s.auth });
    expect(gap.status).toBe(409);
    expect(gap.json).toMatchObject({ code: 'SEQ_GAP', expectedSeq: 6, message: expect.stringMatching(/^expected seq 6/) });
    const absurd = await send('/api/v1/sensors/events', { body: eventsBody(events(6, 2, 0)), authorization: s.auth });
    expect(absurd.status).toBe(400);
    expect(absurd.json).toMatchObject({ code: 'ABSURD_TIME' });
    expect(await sensorSnapshot()).toBe(before);
  });

  it('refuses oversized bodies with 413, with or without a Content-Length, and the client gets the answer', async () => {
    const s = await register('https-big');
    const before = await sensorSnapshot();
    const huge = Buffer.alloc(MAX_BODY_BYTES + 10_000, 0x20);
    for (const chunked of [false, true]) {
      const r = await send('/api/v1/sensors/events', { body: huge, authorization: s.auth, chunked });
      expect(r.status, `chunked=${chunked}`).toBe(413);
      expect(r.json).toMatchObject({ code: 'BODY_TOO_LARGE', message: expect.stringMatching(/larger than 262144 bytes/) });
    }
    expect(await sensorSnapshot()).toBe(before);
  });

  it('refuses unknown credentials (401), wrong methods (405) and unknown paths (404) with a message', async () => {
    const s = await register('https-misc');
    const before = await sensorSnapshot();
    const unknown = await send('/api/v1/sensors/heartbeat', {
      body: heartbeatBody(),
      authorization: `Sensor ${randomUUID()}:${s.credential}`,
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toMatchObject({ code: 'UNKNOWN_SENSOR' });
    expect((await send('/api/v1/sensors/events', { method: 'GET' })).status).toBe(401);
    const get = await send('/api/v1/sensors/events', { method: 'GET', authorization: s.auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const missing = await send('/api/v1/sensors/nothing', { body: {} });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'NOT_FOUND' });
    expect(await sensorSnapshot()).toBe(before);
  });

  it('property: a few hundred random bodies over HTTPS never get a 5xx, and only valid events are stored', async () => {
    const s = await register('https-prop');
    let acked = 0;
    const statuses = new Map<number, number>();
    const endpointBody = fc.oneof(
      fc.tuple(fc.constant('register'), fc.oneof(nearValid(validRegister), randomJsonBody, randomBytesBody)),
      fc.tuple(
        fc.constant('heartbeat'),
        fc.oneof(
          validHeartbeat.map((v) => Buffer.from(JSON.stringify(v))),
          nearValid(validHeartbeat),
          randomJsonBody,
          randomBytesBody,
        ),
      ),
      fc.tuple(
        fc.constant('events'),
        fc.oneof(
          { weight: 2, arbitrary: validEvents(() => acked).map((v) => Buffer.from(JSON.stringify(v))) },
          { weight: 3, arbitrary: nearValid(validEvents(() => acked)) },
          { weight: 1, arbitrary: randomBytesBody },
          { weight: 1, arbitrary: oversizedBody },
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(endpointBody, fc.constantFrom('valid', 'valid', 'valid', 'wrong', 'none'), async ([endpoint, raw], authKind) => {
        const authorization =
          authKind === 'none'
            ? undefined
            : endpoint === 'register'
              ? await proofHeader(authKind === 'valid' ? token : 'c'.repeat(32))
              : authKind === 'valid'
                ? s.auth
                : `Sensor ${s.sensorId}:${'d'.repeat(43)}`;
        const r = await send(`/api/v1/sensors/${endpoint}`, { body: raw, authorization });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, JSON.stringify(r.json)).toBeLessThan(500);
        if (r.status !== 200) {
          expect(r.json).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
          return;
        }
        if (endpoint === 'events') acked = eventsResponse.parse(r.json).ackedSeq;
        if (endpoint === 'heartbeat') heartbeatResponse.parse(r.json);
        if (endpoint === 'register') registerResponse.parse(r.json);
      }),
      { numRuns: 300 },
    );
    for (const status of [200, 400, 401, 413]) expect(statuses.get(status) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    const rows = await db().sensorEvent.findMany({ where: { sensorId: s.sensorId }, orderBy: { seq: 'asc' } });
    expect(acked).toBeGreaterThan(0);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: acked }, (_, i) => i + 1));
    for (const row of rows) expect(sensorEvent.safeParse(row.payload).success).toBe(true);
    expect(running.process.exitCode).toBeNull();
  });

  it('logs refusals, not every successful heartbeat, in the web request log', async () => {
    const web = await readFile(path.join(dataDir, 'logs/web.log'), 'utf8');
    const sensorLines = web
      .split('\n')
      .filter((l) => l.includes('/api/v1/sensors/'))
      .map((l) => JSON.parse(l) as { status: number });
    expect(sensorLines.length).toBeGreaterThan(0);
    expect(sensorLines.every((l) => l.status >= 300)).toBe(true);
  });
});
