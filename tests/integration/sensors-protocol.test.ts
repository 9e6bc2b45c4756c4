import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { regenerateConnectionToken } from '../../lib/appliance/mutations.ts';
import { countMonitoredDevices } from '../../lib/activation/data.ts';
import { db } from '../../lib/db/client.ts';
import { handleEvents } from '../../lib/sensors/http/events.ts';
import { handleHeartbeat } from '../../lib/sensors/http/heartbeat.ts';
import { handleRegisterChallenge } from '../../lib/sensors/http/challenge.ts';
import { handleRegister } from '../../lib/sensors/http/register.ts';
import { clearSensorAuthCache } from '../../lib/sensors/credential-cache.ts';
import { pendingLivenessCount } from '../../lib/sensors/liveness-buffer.ts';
import { flushSensorLiveness } from '../../lib/sensors/liveness.ts';
import { acknowledgeAlert, allowSensorReplacement, deleteSensor, REPLACE_WINDOW_MS } from '../../lib/sensors/mutations.ts';
import {
  eventsResponse,
  heartbeatResponse,
  MAX_BODY_BYTES,
  registerChallengeResponse,
  registerResponse,
} from '../../lib/sensors/protocol.ts';
import { clientProof, newNonce } from '../../lib/token-proof/proof.ts';
import {
  bearer,
  createSensorTestConsole,
  freshIp,
  registerThroughHandlers,
  tokenProof,
  events,
  eventsBody,
  heartbeatBody,
  registerBody,
  sensorAuth,
  sensorRequest,
  sensorSnapshot,
  type SensorTestConsole,
} from './sensors-helpers.ts';

let console_: SensorTestConsole;

beforeAll(async () => {
  console_ = await createSensorTestConsole();
});
afterAll(async () => console_.close());
// Heartbeats are written by a timer about once a second: flush what earlier tests left buffered, so that
// no before/after snapshot can catch that timer writing them.
beforeEach(async () => {
  await flushSensorLiveness();
});

async function register(name: string, extra: Record<string, unknown> = {}) {
  const response = await registerThroughHandlers(console_, registerBody(name, extra));
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  const body = registerResponse.parse(response.json);
  return { ...body, auth: sensorAuth(body.sensorId, body.credential) };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('registration', () => {
  it('creates the sensor with the right token: credential shown once, stored as its hash, journaled and audited', async () => {
    const journalBefore = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const r = await register('plant-a-01', { zone: 'Cell 3' });
    expect(r.consoleFingerprint).toBe(console_.fingerprint);
    expect(r.heartbeatIntervalMs).toBe(1000);
    expect(r.ackedSeq).toBe(0);
    expect(r.peers).toEqual([]);
    expect(r.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await db().sensor.findUniqueOrThrow({ where: { id: r.sensorId } });
    expect(row).toMatchObject({ name: 'plant-a-01', version: '0.1.0', zone: 'Cell 3', credentialHash: sha256(r.credential) });
    expect(row.lastHeardAt).not.toBeNull();

    const journal = await db().journal.findMany({
      where: { seq: { gt: 0 }, entity: { not: 'audit' } },
      orderBy: { seq: 'asc' },
      skip: journalBefore,
    });
    expect(journal.map((j) => [j.entity, j.key, j.op])).toEqual([['sensor', r.sensorId, 'upsert']]);
    expect(journal[0]!.payload).toMatchObject({ id: r.sensorId, name: 'plant-a-01', credentialHash: sha256(r.credential) });
    expect(JSON.stringify(journal[0]!.payload)).not.toContain(r.credential);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'sensor.register' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actor: 'sensor:plant-a-01', target: r.sensorId, outcome: 'success' });
    expect(JSON.stringify(audit.details)).not.toContain(r.credential);
  });

  it('refuses a proof made with a wrong token or over another certificate, a missing proof, and the token itself, storing nothing', async () => {
    const token = await console_.token();
    const before = await sensorSnapshot();
    const otherCertificate = `${'0A:'.repeat(31)}0A`;
    const cases: [string | undefined, string, RegExp][] = [
      [
        await tokenProof('a'.repeat(32), console_.fingerprint),
        'WRONG_PROOF',
        /the token is wrong .* or something between you and the console intercepts TLS/,
      ],
      [await tokenProof(token, otherCertificate), 'WRONG_PROOF', /does not match this console's token and certificate/],
      [undefined, 'PROOF_REQUIRED', /Authorization: Proof <challengeId>:<clientProof>.*never sent/],
      ['Basic abc', 'PROOF_REQUIRED', /Proof/],
      // The token in clear is not accepted any more: it must never travel.
      [bearer(token), 'PROOF_REQUIRED', /The token itself is never sent/],
      [`Proof ${'A'.repeat(22)}:${'B'.repeat(43)}`, 'CHALLENGE_EXPIRED', /unknown, already used or older than 30 s/],
    ];
    for (const [authorization, code, message] of cases) {
      const response = await handleRegister(sensorRequest(registerBody('intruder'), { authorization }));
      expect(response.status, String(authorization)).toBe(401);
      expect(response.json).toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(await sensorSnapshot()).toBe(before);
  });

  it('a challenge is single-use: the same proof replayed, even after success, is refused and stores nothing more', async () => {
    const ip = freshIp();
    const authorization = await tokenProof(await console_.token(), console_.fingerprint, { ip });
    const first = await handleRegister(sensorRequest(registerBody('replay-1'), { authorization, ip }));
    expect(first.status).toBe(200);
    const before = await sensorSnapshot();
    for (const name of ['replay-1', 'replay-2']) {
      const again = await handleRegister(sensorRequest(registerBody(name), { authorization, ip }));
      expect(again.status).toBe(401);
      expect(again.json).toMatchObject({ code: 'CHALLENGE_EXPIRED' });
    }
    // A wrong proof uses its challenge up too: it cannot be retried with another guess.
    const wrong = await tokenProof('b'.repeat(32), console_.fingerprint, { ip });
    expect((await handleRegister(sensorRequest(registerBody('replay-3'), { authorization: wrong, ip }))).json).toMatchObject({
      code: 'WRONG_PROOF',
    });
    expect((await handleRegister(sensorRequest(registerBody('replay-3'), { authorization: wrong, ip }))).json).toMatchObject({
      code: 'CHALLENGE_EXPIRED',
    });
    expect(await sensorSnapshot()).toBe(before);
  });

  it("the console's step-1 proof is over the certificate it serves, made with its token", async () => {
    const clientNonce = newNonce();
    const response = await handleRegisterChallenge(sensorRequest({ protocol: 1, clientNonce }));
    expect(response.status).toBe(200);
    const challenge = registerChallengeResponse.parse(response.json);
    expect(challenge).toMatchObject({ consoleFingerprint: console_.fingerprint, expiresInMs: 30_000 });
    const { serverProof } = await import('../../lib/token-proof/proof.ts');
    const transcript = {
      purpose: 'sensor-registration' as const,
      clientNonce,
      serverNonce: challenge.serverNonce,
      fingerprint: console_.fingerprint,
    };
    expect(challenge.serverProof).toBe(serverProof(await console_.token(), transcript));
    expect(JSON.stringify(response.json)).not.toContain(await console_.token());
    for (const body of [{ protocol: 1 }, { protocol: 1, clientNonce: 'short' }, { protocol: 1, clientNonce, extra: 1 }]) {
      const refused = await handleRegisterChallenge(sensorRequest(body));
      expect(refused.status).toBe(400);
    }
  });

  it('wrong proofs from one address are throttled (429 with Retry-After); a right proof from another address still works', async () => {
    const ip = '203.0.113.10';
    const before = await sensorSnapshot();
    for (let i = 0; i < 10; i++) {
      const wrong = await tokenProof('c'.repeat(32), console_.fingerprint, { ip });
      expect((await handleRegister(sensorRequest(registerBody('guesser'), { authorization: wrong, ip }))).status).toBe(401);
    }
    // Neither step answers that address now, not even with the right token.
    const challenge = await handleRegisterChallenge(sensorRequest({ protocol: 1, clientNonce: newNonce() }, { ip }));
    expect(challenge.status).toBe(429);
    expect(Number(challenge.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(challenge.json).toMatchObject({
      code: 'THROTTLED',
      message: expect.stringMatching(/Too many wrong tokens or proofs from your address/),
    });
    const right = await tokenProof(await console_.token(), console_.fingerprint, { ip: '203.0.113.11' });
    const throttled = await handleRegister(sensorRequest(registerBody('guesser'), { authorization: right, ip }));
    expect(throttled.status).toBe(429);
    expect(await sensorSnapshot()).toBe(before);
    // The same proof, from its own address, is fine: another address's failures do not count against it.
    const elsewhere = await handleRegister(sensorRequest(registerBody('not-a-guesser'), { authorization: right, ip: '203.0.113.11' }));
    expect(elsewhere.status).toBe(200);
  });

  it('a regenerated token replaces the old one at once', async () => {
    const old = await console_.token();
    await regenerateConnectionToken({ username: 'admin' });
    const before = await sensorSnapshot();
    const refused = await handleRegister(
      sensorRequest(registerBody('with-old-token'), { authorization: await tokenProof(old, console_.fingerprint) }),
    );
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code: 'WRONG_PROOF' });
    expect(await sensorSnapshot()).toBe(before);
    await register('with-new-token');
  });

  it('re-registering a name with its current credential rotates it for the same sensor, keeping its stored events', async () => {
    const first = await register('plant-a-02');
    const stored = await handleEvents(sensorRequest(eventsBody(events(1, 4)), { authorization: first.auth }));
    expect(stored.json).toMatchObject({ ackedSeq: 4, stored: 4 });
    const again = await register('plant-a-02', { version: '0.2.0', currentCredential: first.credential });
    expect(again.sensorId).toBe(first.sensorId);
    expect(again.credential).not.toBe(first.credential);
    expect(again.ackedSeq).toBe(4);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: first.auth }))).status).toBe(401);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: again.auth }))).status).toBe(200);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'sensor.register' }, orderBy: { id: 'desc' } });
    expect(audit.details).toMatchObject({ reRegistered: true, replaced: false });
  });

  it('refuses to let the token alone take over a registered name (no credential, or another one), changing nothing', async () => {
    const owner = await register('plant-a-03');
    const before = await sensorSnapshot();
    const without = await registerThroughHandlers(console_, registerBody('plant-a-03'));
    expect(without.status).toBe(409);
    expect(without.json).toMatchObject({
      code: 'NAME_TAKEN',
      message: expect.stringMatching(
        /^A sensor named "plant-a-03" is already registered\. To put this sensor in its place, an Admin chooses "Replace sensor"/,
      ),
    });
    const otherCredential = await registerThroughHandlers(console_, registerBody('plant-a-03', { currentCredential: 'Q'.repeat(43) }));
    expect(otherCredential.status).toBe(409);
    expect((otherCredential.json as { message: string }).message).toMatch(/the credential sent is not its current one/);
    expect(await sensorSnapshot()).toBe(before);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: owner.auth }))).status).toBe(200);
  });

  it("an Admin's Replace sensor lets the next registration take the sensor over once, within the window, keeping its history", async () => {
    const old = await register('plant-a-04');
    await handleEvents(sensorRequest(eventsBody(events(1, 3)), { authorization: old.auth }));
    const allowed = await allowSensorReplacement(old.sensorId, { username: 'admin', ip: '10.0.0.8' });
    expect(allowed).toMatchObject({ ok: true, name: 'plant-a-04' });
    const audit = await db().auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ action: 'sensor.replace-allow', actor: 'admin', target: 'plant-a-04', ip: '10.0.0.8' });
    const journal = await db().journal.findFirstOrThrow({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' } });
    expect(journal).toMatchObject({ entity: 'sensor', key: old.sensorId, op: 'upsert' });

    const replacement = await register('plant-a-04', { version: '0.3.0' });
    expect(replacement.sensorId).toBe(old.sensorId);
    expect(replacement.ackedSeq).toBe(3);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: old.auth }))).status).toBe(401);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: replacement.auth }))).status).toBe(200);
    const registered = await db().auditEvent.findFirstOrThrow({ where: { action: 'sensor.register' }, orderBy: { id: 'desc' } });
    expect(registered.details).toMatchObject({ reRegistered: true, replaced: true });
    // Used once: a third registration is refused again.
    expect((await registerThroughHandlers(console_, registerBody('plant-a-04'))).status).toBe(409);

    // A window that has passed allows nothing.
    await allowSensorReplacement(old.sensorId, { username: 'admin' }, Date.now() - REPLACE_WINDOW_MS - 1000);
    expect((await registerThroughHandlers(console_, registerBody('plant-a-04'))).json).toMatchObject({ code: 'NAME_TAKEN' });
    expect(await allowSensorReplacement(randomUUID(), { username: 'admin' })).toMatchObject({ ok: false, code: 'UNKNOWN_SENSOR' });
  });

  it('refuses invalid bodies and absurd clocks with a message, storing nothing', async () => {
    const before = await sensorSnapshot();
    const cases: [unknown, number, RegExp][] = [
      [registerBody('bad name!'), 400, /A sensor name holds letters/],
      [registerBody('x'.repeat(65)), 400, /at most 64/],
      [registerBody('ok', { protocol: 2 }), 400, /protocol/],
      [registerBody('ok', { extra: true }), 400, /extra/],
      [registerBody('ok', { clock: Date.now() + 2 * 365 * 86_400_000 }), 400, /more than a year/],
      [registerBody('ok', { zone: 'a\u0000b' }), 400, /NUL/],
      ['{"protocol":1,', 400, /not valid UTF-8 JSON/],
      [Buffer.from([0x7b, 0xff, 0x7d]), 400, /not valid UTF-8 JSON/],
    ];
    for (const [body, status, message] of cases) {
      const response = await registerThroughHandlers(console_, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect((response.json as { message: string }).message).toMatch(message);
    }
    expect(await sensorSnapshot()).toBe(before);
  });
});

describe('heartbeat', () => {
  it('answers from memory and writes liveness for many sensors in one batched statement after the flush', async () => {
    const sensors = await Promise.all(['hb-1', 'hb-2', 'hb-3'].map((n) => register(n)));
    await db().sensor.updateMany({ where: { name: { in: ['hb-1', 'hb-2', 'hb-3'] } }, data: { lastHeardAt: null, clockOffsetMs: null } });
    await flushSensorLiveness();
    // Bounds by order of events, not by how long anything took: the console heard each beat after
    // `sent` and before its answer came back.
    const sent = Date.now();
    const clock = sent + 7000;
    for (const s of sensors) {
      const response = await handleHeartbeat(
        sensorRequest(heartbeatBody({ clock, version: '0.1.1', counters: { packets: 5, alerts: 0, devices: 1, outbox: 9 } }), {
          authorization: s.auth,
          ip: '10.1.2.3',
        }),
      );
      expect(response.status).toBe(200);
      const body = heartbeatResponse.parse(response.json);
      expect(body).toMatchObject({ role: 'STANDALONE', state: 'ACTIVE', term: 1, heartbeatIntervalMs: 1000, ackedSeq: 0, peers: [] });
      expect(body.serverTime).toBeGreaterThanOrEqual(sent);
      expect(body.serverTime).toBeLessThanOrEqual(Date.now());
    }
    const answered = Date.now();
    // Nothing written per heartbeat…
    expect((await db().sensor.findUniqueOrThrow({ where: { id: sensors[0]!.sensorId } })).lastHeardAt).toBeNull();
    expect(pendingLivenessCount()).toBe(3);
    // …then one statement for all three.
    expect(await flushSensorLiveness()).toBe(3);
    for (const s of sensors) {
      const row = await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } });
      const heardAt = row.lastHeardAt!.getTime();
      expect(heardAt).toBeGreaterThanOrEqual(sent);
      expect(heardAt).toBeLessThanOrEqual(answered);
      expect(row).toMatchObject({ version: '0.1.1', ip: '10.1.2.3', counters: { packets: 5, alerts: 0, devices: 1, outbox: 9 } });
      // Sensor clock minus console clock at the moment the console heard the beat, to the millisecond.
      expect(row.clockOffsetMs).toBe(clock - heardAt);
    }
  });

  it('skips a sensor row another transaction holds instead of waiting for it, and writes the rest', async () => {
    const [held, free] = [await register('hb-held'), await register('hb-free')];
    const heardAt = async (s: { sensorId: string }) =>
      (await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } })).lastHeardAt!.getTime();
    const before = { held: await heardAt(held), free: await heardAt(free) };
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const s of [held, free]) await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth }));
    // The peer's journal being applied holds sensor rows until it commits.
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db().$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "sensor" WHERE id = ${held.sensorId}::uuid FOR UPDATE`;
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    try {
      // Returns while the lock is still held: had it waited, this would hang until release().
      expect(await flushSensorLiveness()).toBe(1);
    } finally {
      release();
      await holder;
    }
    expect(await heardAt(free)).toBeGreaterThan(before.free);
    // Left as it was; the sensor's next heartbeat is written by the next flush.
    expect(await heardAt(held)).toBe(before.held);
  });

  it('reports the ackedSeq of stored events', async () => {
    const s = await register('hb-acked');
    await handleEvents(sensorRequest(eventsBody(events(1, 3)), { authorization: s.auth }));
    const response = await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth }));
    expect(response.json).toMatchObject({ ackedSeq: 3 });
    // Same after a restart (credential cache empty).
    clearSensorAuthCache();
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth }))).json).toMatchObject({ ackedSeq: 3 });
  });

  it('refuses an absurd clock, an unknown sensor, a wrong credential and bad bodies, changing nothing', async () => {
    const s = await register('hb-bad');
    await flushSensorLiveness();
    const before = await sensorSnapshot();
    const wrongCredential = sensorAuth(s.sensorId, 'A'.repeat(43));
    const unknown = sensorAuth(randomUUID(), s.credential);
    const cases: [unknown, string | undefined, number, RegExp][] = [
      [heartbeatBody({ clock: Date.now() - 400 * 86_400_000 }), s.auth, 400, /more than a year/],
      [heartbeatBody({ clock: -1 }), s.auth, 400, /clock/],
      [heartbeatBody({ counters: { packets: 1 } }), s.auth, 400, /counters/],
      [heartbeatBody({ highestTerm: 1.5 }), s.auth, 400, /highestTerm/],
      ['not json', s.auth, 400, /JSON/],
      [heartbeatBody(), wrongCredential, 401, /not valid for sensor "hb-bad"/],
      [heartbeatBody(), unknown, 401, /no sensor/],
      [heartbeatBody(), undefined, 401, /Authorization: Sensor/],
      [heartbeatBody(), `Sensor ${s.sensorId}`, 401, /Authorization: Sensor/],
      [heartbeatBody(), bearer(await console_.token()), 401, /Authorization: Sensor/],
    ];
    for (const [body, authorization, status, message] of cases) {
      const response = await handleHeartbeat(sensorRequest(body, { authorization }));
      expect(response.status, `${JSON.stringify(body)} ${authorization}`).toBe(status);
      expect((response.json as { message: string }).message).toMatch(message);
    }
    expect(pendingLivenessCount()).toBe(0);
    await flushSensorLiveness();
    expect(await sensorSnapshot()).toBe(before);
  });

  it("throttles failures per (address, sensor id): a valid credential is never refused for another's failures", async () => {
    const s = await register('hb-throttle');
    const other = await register('hb-throttle-2');
    const ip = '203.0.113.77';
    const wrong = sensorAuth(s.sensorId, 'A'.repeat(43));
    for (let i = 0; i < 30; i++)
      expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: wrong, ip }))).status).toBe(401);
    const throttled = await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: wrong, ip }));
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(throttled.json).toMatchObject({ code: 'THROTTLED', message: expect.stringContaining(s.sensorId) });
    // The right credential for that very sensor, from that very address, still works; so does another sensor's.
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth, ip }))).status).toBe(200);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: other.auth, ip }))).status).toBe(200);

    // An unknown (deleted) sensor retrying from a site's NAT address slows down only itself.
    const gone = sensorAuth(randomUUID(), s.credential);
    for (let i = 0; i < 30; i++)
      expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: gone, ip }))).status).toBe(401);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: gone, ip }))).status).toBe(429);
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: other.auth, ip }))).status).toBe(200);
    // Random ids from one address never throttle the sensors behind it either.
    for (let i = 0; i < 40; i++)
      await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: sensorAuth(randomUUID(), s.credential), ip }));
    expect((await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth, ip }))).status).toBe(200);
    // And after a restart (nothing in memory), a valid credential is still checked and accepted.
    clearSensorAuthCache();
    expect((await handleEvents(sensorRequest(eventsBody(events(1, 1)), { authorization: s.auth, ip }))).status).toBe(200);
  });
});

describe('events', () => {
  it('stores a batch once: a replay is acknowledged without storing again, an overlap stores only the new part', async () => {
    const s = await register('ev-1');
    const journalBefore = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const batch = sensorRequest(eventsBody(events(1, 6)), { authorization: s.auth });
    const first = await handleEvents(batch);
    expect(first.status).toBe(200);
    expect(eventsResponse.parse(first.json)).toEqual({ ackedSeq: 6, durableSeq: 6, stored: 6, duplicates: 0 });
    const afterFirst = await sensorSnapshot();
    const replay = await handleEvents(batch);
    expect(replay.json).toEqual({ ackedSeq: 6, durableSeq: 6, stored: 0, duplicates: 6 });
    expect(await sensorSnapshot()).toBe(afterFirst);

    const overlap = await handleEvents(sensorRequest(eventsBody(events(4, 6)), { authorization: s.auth }));
    expect(overlap.json).toEqual({ ackedSeq: 9, durableSeq: 9, stored: 3, duplicates: 3 });
    const rows = await db().sensorEvent.findMany({ where: { sensorId: s.sensorId }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows[0]).toMatchObject({ kind: 'alert', severity: 'medium', title: 'Unauthorized Modbus write #1' });
    const sensor = await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } });
    expect(sensor.ackedSeq).toBe(9n);
    expect(sensor.alertCount).toBe(5);
    // Three device keys, each upserted, with first/last seen spanning the reports.
    const devices = await db().device.findMany({ where: { sensorId: s.sensorId }, orderBy: { key: 'asc' } });
    expect(devices.map((d) => d.key)).toEqual(['00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:02']);
    expect(devices[0]).toMatchObject({ protocol: 's7', vendor: 'Siemens', ip: '10.0.0.0' });
    // One journal row per stored batch, none for the replay.
    const journal = await db().journal.findMany({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'asc' }, skip: journalBefore });
    expect(journal.map((j) => [j.entity, j.key])).toEqual([
      ['sensor-event', `${s.sensorId}:1-6`],
      ['sensor-event', `${s.sensorId}:7-9`],
    ]);
  });

  it('refuses a batch that starts beyond ackedSeq + 1 with 409 "expected seq N", storing nothing', async () => {
    const s = await register('ev-gap');
    await handleEvents(sensorRequest(eventsBody(events(1, 2)), { authorization: s.auth }));
    const before = await sensorSnapshot();
    const response = await handleEvents(sensorRequest(eventsBody(events(4, 3)), { authorization: s.auth }));
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'SEQ_GAP', expectedSeq: 3 });
    expect((response.json as { message: string }).message).toMatch(/^expected seq 3/);
    expect(await sensorSnapshot()).toBe(before);
  });

  it('refuses oversized bodies (413), absurd timestamps, gaps inside a batch and invalid events (400), storing nothing', async () => {
    const s = await register('ev-bad');
    const before = await sensorSnapshot();
    const big = eventsBody(events(1, 1).map((e) => ({ ...e, details: 'x'.repeat(2000) })));
    const huge = Buffer.concat([Buffer.from(JSON.stringify(big)), Buffer.alloc(MAX_BODY_BYTES, 0x20)]);
    const oversized = await handleEvents(sensorRequest(huge, { authorization: s.auth }));
    expect(oversized.status).toBe(413);
    expect((oversized.json as { message: string }).message).toMatch(/larger than 262144 bytes/);

    const future = events(1, 3);
    future[2] = { ...future[2]!, at: Date.now() + 2 * 365 * 86_400_000 };
    const cases: [unknown, RegExp][] = [
      [eventsBody(future), /Event 3 is dated more than a year away/],
      [eventsBody([...events(1, 2), ...events(4, 1)]), /consecutive seq/],
      [eventsBody([]), /at least one event/],
      [eventsBody(events(1, 501)), /at most 500 events/],
      [eventsBody([{ ...events(1, 1)[0]!, severity: 'apocalyptic' }]), /severity/],
      [eventsBody([{ ...events(1, 1)[0]!, seq: 0 }]), /seq/],
      [eventsBody([{ ...events(1, 1)[0]!, title: 'bad\u0000title' }]), /NUL/],
      [eventsBody([{ ...events(1, 1)[0]!, title: '\ud800' }]), /unpaired surrogates/],
      [{ protocol: 1, events: 'none' }, /events/],
    ];
    for (const [body, message] of cases) {
      const response = await handleEvents(sensorRequest(body, { authorization: s.auth }));
      expect(response.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect((response.json as { message: string }).message).toMatch(message);
    }
    const unknown = await handleEvents(sensorRequest(eventsBody(events(1, 1)), { authorization: sensorAuth(randomUUID(), s.credential) }));
    expect(unknown.status).toBe(401);
    expect(await sensorSnapshot()).toBe(before);
  });

  it('serializes concurrent batches from one sensor: every seq stored exactly once, 1..ackedSeq', async () => {
    const s = await register('ev-concurrent');
    const batches = [events(1, 50), events(1, 50), events(51, 50), events(26, 50), events(1, 100)];
    const responses = await Promise.all(batches.map((b) => handleEvents(sensorRequest(eventsBody(b), { authorization: s.auth }))));
    for (const r of responses) expect([200, 409]).toContain(r.status);
    const sensor = await db().sensor.findUniqueOrThrow({ where: { id: s.sensorId } });
    const seqs = (await db().sensorEvent.findMany({ where: { sensorId: s.sensorId }, orderBy: { seq: 'asc' }, select: { seq: true } })).map(
      (r) => Number(r.seq),
    );
    expect(Number(sensor.ackedSeq)).toBe(100);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const stored = responses.filter((r) => r.status === 200).reduce((n, r) => n + (r.json as { stored: number }).stored, 0);
    expect(stored).toBe(100);
  });

  it('counts monitored devices across sensors by device key', async () => {
    const before = await countMonitoredDevices();
    const a = await register('dev-a');
    const b = await register('dev-b');
    const report = (seq: number, key: string) => ({ seq, kind: 'device' as const, at: Date.now(), key, protocol: 'modbus' as const });
    await handleEvents(sensorRequest(eventsBody([report(1, 'dev-x'), report(2, 'dev-y')]), { authorization: a.auth }));
    await handleEvents(sensorRequest(eventsBody([report(1, 'dev-y'), report(2, 'dev-z')]), { authorization: b.auth }));
    expect(await countMonitoredDevices()).toBe(before + 3);
  });
});

describe('operator actions', () => {
  it('deletes only a disconnected sensor, journaled and audited; its credential stops working', async () => {
    const s = await register('del-1');
    await handleEvents(sensorRequest(eventsBody(events(1, 3)), { authorization: s.auth }));
    await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth }));
    // "Now" is the moment the heartbeat was answered, however slow the machine: the sensor is connected.
    const heard = Date.now();
    await flushSensorLiveness();
    const before = await sensorSnapshot();
    const refused = await deleteSensor(s.sensorId, { username: 'admin' }, { disconnectAfterMs: 5000, now: heard });
    expect(refused).toMatchObject({ ok: false, code: 'SENSOR_CONNECTED' });
    expect(refused.ok ? '' : refused.message).toMatch(/Sensor "del-1" is connected .* Stop the sensor first/);
    expect(await sensorSnapshot()).toBe(before);

    const deleted = await deleteSensor(s.sensorId, { username: 'admin', ip: '10.9.9.9' }, { disconnectAfterMs: 5000, now: heard + 60_000 });
    expect(deleted).toEqual({ ok: true, name: 'del-1' });
    expect(await db().sensor.findUnique({ where: { id: s.sensorId } })).toBeNull();
    expect(await db().sensorEvent.count({ where: { sensorId: s.sensorId } })).toBe(0);
    const journal = await db().journal.findFirstOrThrow({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' } });
    expect(journal).toMatchObject({ entity: 'sensor', key: s.sensorId, op: 'delete' });
    const audit = await db().auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ action: 'sensor.delete', actor: 'admin', target: 'del-1', ip: '10.9.9.9' });
    const after = await handleHeartbeat(sensorRequest(heartbeatBody(), { authorization: s.auth }));
    expect(after.status).toBe(401);
    expect(after.json).toMatchObject({ code: 'UNKNOWN_SENSOR' });
    const again = await deleteSensor(s.sensorId, { username: 'admin' }, { disconnectAfterMs: 5000, now: heard + 60_000 });
    expect(again).toMatchObject({ ok: false, code: 'UNKNOWN_SENSOR' });
  });

  it('acknowledges an alert once, journaled and audited', async () => {
    const s = await register('ack-1');
    await handleEvents(sensorRequest(eventsBody(events(1, 2)), { authorization: s.auth }));
    const ok = await acknowledgeAlert({ sensorId: s.sensorId, seq: 1 }, { username: 'analyst', ip: '10.0.0.1' });
    expect(ok).toEqual({ ok: true, title: 'Unauthorized Modbus write #1' });
    const row = await db().sensorEvent.findUniqueOrThrow({ where: { sensorId_seq: { sensorId: s.sensorId, seq: 1n } } });
    expect(row.acknowledgedBy).toBe('analyst');
    expect(row.acknowledgedAt).not.toBeNull();
    const audit = await db().auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ action: 'alert.acknowledge', actor: 'analyst', target: 'ack-1#1' });
    const before = await sensorSnapshot();
    expect(await acknowledgeAlert({ sensorId: s.sensorId, seq: 1 }, { username: 'admin' })).toMatchObject({
      ok: false,
      code: 'ALREADY_ACKNOWLEDGED',
    });
    // seq 2 is a device report, not an alert; seq 9 does not exist.
    expect(await acknowledgeAlert({ sensorId: s.sensorId, seq: 2 }, { username: 'admin' })).toMatchObject({
      ok: false,
      code: 'UNKNOWN_ALERT',
    });
    expect(await acknowledgeAlert({ sensorId: s.sensorId, seq: 9 }, { username: 'admin' })).toMatchObject({
      ok: false,
      code: 'UNKNOWN_ALERT',
    });
    expect(await sensorSnapshot()).toBe(before);
  });
});

describe('the Next.js route handlers (same handlers behind the web adapter)', () => {
  const routes = {
    challenge: () => import('../../app/api/v1/sensors/register/challenge/route.ts'),
    register: () => import('../../app/api/v1/sensors/register/route.ts'),
    heartbeat: () => import('../../app/api/v1/sensors/heartbeat/route.ts'),
    events: () => import('../../app/api/v1/sensors/events/route.ts'),
  };
  const web = (body: BodyInit, headers: Record<string, string>) =>
    new Request('https://127.0.0.1/api/v1/sensors/x', {
      method: 'POST',
      headers: { 'x-forwarded-for': '198.51.100.9', 'content-type': 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  it('register, heartbeat and events answer as the handlers do, with no-store', async () => {
    const clientNonce = newNonce();
    const asked = await (await routes.challenge()).POST(web(JSON.stringify({ protocol: 1, clientNonce }), {}));
    expect(asked.status).toBe(200);
    const challenge = registerChallengeResponse.parse(await asked.json());
    // Without the TLS socket the route binds the proof to the certificate file the console serves.
    expect(challenge.consoleFingerprint).toBe(console_.fingerprint);
    const proof = clientProof(await console_.token(), {
      purpose: 'sensor-registration',
      clientNonce,
      serverNonce: challenge.serverNonce,
      fingerprint: console_.fingerprint,
    });
    const reg = await (
      await routes.register()
    ).POST(web(JSON.stringify(registerBody('route-1')), { authorization: `Proof ${challenge.challengeId}:${proof}` }));
    expect(reg.status).toBe(200);
    expect(reg.headers.get('cache-control')).toBe('no-store');
    const r = registerResponse.parse(await reg.json());
    const auth = sensorAuth(r.sensorId, r.credential);
    const beat = await (await routes.heartbeat()).POST(web(JSON.stringify(heartbeatBody()), { authorization: auth }));
    expect(heartbeatResponse.parse(await beat.json())).toMatchObject({ ackedSeq: 0 });
    const ev = await (await routes.events()).POST(web(JSON.stringify(eventsBody(events(1, 2))), { authorization: auth }));
    expect(await ev.json()).toEqual({ ackedSeq: 2, durableSeq: 2, stored: 2, duplicates: 0 });
    const row = await db().sensor.findUniqueOrThrow({ where: { id: r.sensorId } });
    expect(row.ip).toBe('198.51.100.9');
  });

  it('refuses an oversized body by its Content-Length or by what it streams (413), storing nothing', async () => {
    const r = await register('route-big');
    const before = await sensorSnapshot();
    const { POST } = await routes.events();
    const declared = await POST(web('{}', { authorization: r.auth, 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(16_384).fill(0x20));
        controller.close();
      },
    });
    const streamed = await POST(web(chunks, { authorization: r.auth }));
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(await sensorSnapshot()).toBe(before);
  });
});
