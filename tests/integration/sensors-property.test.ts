import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../lib/db/client.ts';
import { handleEvents } from '../../lib/sensors/http/events.ts';
import { handleHeartbeat } from '../../lib/sensors/http/heartbeat.ts';
import { handleRegister } from '../../lib/sensors/http/register.ts';
import type { HttpHandler, HttpResponse } from '../../lib/http/types.ts';
import { flushSensorLiveness } from '../../lib/sensors/liveness.ts';
import {
  eventsResponse,
  heartbeatResponse,
  registerRequest,
  registerResponse,
  sensorEvent,
  type SensorEventInput,
} from '../../lib/sensors/protocol.ts';
import {
  nearValid,
  oversizedBody,
  randomBytesBody,
  randomJsonBody,
  validEvents,
  validHeartbeat,
  validRegister,
  type Json,
} from './sensors-arbitraries.ts';
import {
  createSensorTestConsole,
  registerBody,
  registerThroughHandlers,
  sensorAuth,
  sensorRequest,
  tokenProof,
  type SensorTestConsole,
} from './sensors-helpers.ts';

// Random bodies at every sensor endpoint through the framework-neutral handlers: never a 5xx, every
// refusal a { code, message }, and what ends up stored is exactly the valid events first accepted.
let console_: SensorTestConsole;
type Main = { id: string; credential: string; ackedSeq: number; stored: Map<number, SensorEventInput> };
const mains: Main[] = [];
const registeredNames = new Set<string>();

beforeAll(async () => {
  console_ = await createSensorTestConsole();
  for (const name of ['prop-a', 'prop-b']) {
    const r = registerResponse.parse((await registerThroughHandlers(console_, registerBody(name))).json);
    mains.push({ id: r.sensorId, credential: r.credential, ackedSeq: 0, stored: new Map() });
    registeredNames.add(name);
  }
});
afterAll(async () => console_.close());

const ALLOWED = [200, 400, 401, 405, 409, 413, 429];

const seen = new Map<string, Map<number, number>>();
function tally(endpoint: string, status: number) {
  const m = seen.get(endpoint) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  seen.set(endpoint, m);
}
// Each endpoint's run reached every outcome that matters, so the properties were not checked vacuously.
function expectOutcomes(endpoint: string, statuses: number[]) {
  const m = seen.get(endpoint)!;
  for (const status of statuses) expect(m.get(status) ?? 0, `${endpoint} ${status}: ${JSON.stringify([...m])}`).toBeGreaterThan(0);
}

function checkResponse(response: HttpResponse, ok: (json: unknown) => void) {
  expect(response.status, JSON.stringify(response.json)).toBeLessThan(500);
  expect(ALLOWED).toContain(response.status);
  if (response.status === 200) ok(response.json);
  else expect(response.json).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
}

const body = (valid: fc.Arbitrary<Json>) =>
  fc.oneof(
    { weight: 3, arbitrary: valid.map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 4, arbitrary: nearValid(valid) },
    { weight: 1, arbitrary: randomJsonBody },
    { weight: 1, arbitrary: randomBytesBody },
    { weight: 1, arbitrary: oversizedBody },
  );

// Mostly valid credentials, so that bodies get past the guard to the parse.
const sensorAuthorization = fc.record({
  main: fc.nat(7),
  kind: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'wrong', 'none', 'malformed', 'bearer'),
});
function authFor(a: { main: number; kind: string }): { header: string | undefined; main: Main } {
  const main = mains[a.main % mains.length]!;
  if (a.kind === 'valid') return { header: sensorAuth(main.id, main.credential), main };
  if (a.kind === 'wrong') return { header: sensorAuth(main.id, 'x'.repeat(43)), main };
  if (a.kind === 'malformed') return { header: `Sensor ${main.id}`, main };
  if (a.kind === 'bearer') return { header: 'Bearer abc', main };
  return { header: undefined, main };
}

describe('property: random bodies at every sensor endpoint (handlers)', () => {
  it('register: never a 5xx; a sensor is created only from a valid body with a proof of the right token', async () => {
    const token = await console_.token();
    await fc.assert(
      fc.asyncProperty(
        body(validRegister),
        fc.constantFrom('right', 'right', 'right', 'wrong', 'none'),
        fc.constantFrom('POST', 'POST', 'POST', 'GET'),
        async (raw, tokenKind, method) => {
          const authorization =
            tokenKind === 'right'
              ? await tokenProof(token, console_.fingerprint)
              : tokenKind === 'wrong'
                ? await tokenProof('z'.repeat(32), console_.fingerprint)
                : undefined;
          const response = await handleRegister(sensorRequest(raw, { authorization, method }));
          tally('register', response.status);
          checkResponse(response, (json) => {
            const r = registerResponse.parse(json);
            const name = (JSON.parse(raw.toString()) as { name: string }).name.trim();
            registeredNames.add(name);
            const main = mains.find((m) => m.id === r.sensorId);
            if (main) main.credential = r.credential;
          });
          if (response.status === 200) expect(tokenKind).toBe('right');
        },
      ),
      { numRuns: 250 },
    );
    expectOutcomes('register', [200, 400, 401, 405, 413]);
    const names = (await db().sensor.findMany({ select: { name: true } })).map((s) => s.name).sort();
    expect(names).toEqual([...registeredNames].sort());
    for (const name of names) expect(registerRequest.shape.name.safeParse(name).success, name).toBe(true);
  });

  it('heartbeat: never a 5xx; only valid beats reach the sensor rows', async () => {
    await fc.assert(
      fc.asyncProperty(body(validHeartbeat), sensorAuthorization, async (raw, a) => {
        const { header } = authFor(a);
        const response = await handleHeartbeat(sensorRequest(raw, { authorization: header }));
        tally('heartbeat', response.status);
        checkResponse(response, (json) => heartbeatResponse.parse(json));
      }),
      { numRuns: 300 },
    );
    expectOutcomes('heartbeat', [200, 400, 401, 413]);
    await flushSensorLiveness();
    for (const s of await db().sensor.findMany()) {
      expect(s.version).toMatch(/^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/);
      if (s.counters) expect(Object.keys(s.counters as object).sort()).toEqual(['alerts', 'devices', 'outbox', 'packets']);
    }
  });

  it('events: never a 5xx; stored events are exactly the valid ones first accepted, seqs 1..ackedSeq', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(mains.length - 1).chain((m) => fc.tuple(fc.constant(m), body(validEvents(() => mains[m]!.ackedSeq)), sensorAuthorization)),
        async ([m, raw, a]) => {
          const main = mains[m]!;
          const { header } = authFor({ ...a, main: m });
          const response = await handleEvents(sensorRequest(raw, { authorization: header }));
          tally('events', response.status);
          checkResponse(response, (json) => {
            const r = eventsResponse.parse(json);
            const sent = (JSON.parse(raw.toString()) as { events: SensorEventInput[] }).events;
            // Stored as the schema normalises it (titles trimmed).
            for (const e of sent) if (e.seq > main.ackedSeq && e.seq <= r.ackedSeq) main.stored.set(e.seq, sensorEvent.parse(e));
            expect(r.ackedSeq).toBeGreaterThanOrEqual(main.ackedSeq);
            main.ackedSeq = r.ackedSeq;
          });
        },
      ),
      { numRuns: 400 },
    );
    expectOutcomes('events', [200, 400, 401, 409, 413]);
    for (const main of mains) {
      const sensor = await db().sensor.findUniqueOrThrow({ where: { id: main.id } });
      const rows = await db().sensorEvent.findMany({ where: { sensorId: main.id }, orderBy: { seq: 'asc' } });
      expect(Number(sensor.ackedSeq)).toBe(main.ackedSeq);
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: main.ackedSeq }, (_, i) => i + 1));
      for (const row of rows) {
        const payload = sensorEvent.parse(row.payload);
        expect(payload).toEqual(main.stored.get(Number(row.seq)));
        expect(row.kind).toBe(payload.kind);
        if (payload.kind === 'alert') expect([row.severity, row.title]).toEqual([payload.severity, payload.title]);
      }
      expect(sensor.alertCount).toBe(rows.filter((r) => r.kind === 'alert').length);
      const deviceKeys = new Set(rows.filter((r) => r.kind === 'device').map((r) => (r.payload as { key: string }).key));
      const devices = await db().device.findMany({ where: { sensorId: main.id } });
      expect(devices.map((d) => d.key).sort()).toEqual([...deviceKeys].sort());
    }
    // The run exercised storing, not only refusing.
    expect(mains.reduce((n, m) => n + m.ackedSeq, 0)).toBeGreaterThan(50);
  });
});

describe('every handler refuses every method but POST after its guard', () => {
  it.each([
    ['register', handleRegister],
    ['heartbeat', handleHeartbeat],
    ['events', handleEvents],
  ] as [string, HttpHandler][])('%s', async (_name, handler) => {
    const main = mains[0]!;
    const authorization =
      _name === 'register' ? await tokenProof(await console_.token(), console_.fingerprint) : sensorAuth(main.id, main.credential);
    const response = await handler(sensorRequest('', { authorization, method: 'PUT' }));
    expect(response.status).toBe(405);
    expect(response.headers).toMatchObject({ allow: 'POST' });
  });
});
