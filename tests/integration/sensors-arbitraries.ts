import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../lib/sensors/protocol.ts';

// Random and near-valid request bodies for the sensor endpoints (property tests over the
// framework-neutral handlers and over real HTTPS).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Values that have broken parsers and databases before.
const tricky: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -(2 ** 31) - 1,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    '😀',
    '\n',
    '1',
    'true',
    'null',
    'NaN',
    '__proto__',
    'constructor',
    [],
    {},
    JSON.parse('{"__proto__":1}') as Json,
    'x'.repeat(70),
    'x'.repeat(2001),
    "'; DROP TABLE sensor; --",
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const anyJson: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: tricky },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

type Path = (string | number)[];

function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...children.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

type Mutation = { at: number; op: 'delete' | 'replace' | 'add'; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'add'),
  key: fc.oneof(
    fc.constantFrom('seq', 'kind', 'at', 'events', 'protocol', 'clock', 'extra', 'severity', 'title', 'key', 'name', 'counters'),
    fc.string({ maxLength: 8 }),
  ),
  value: anyJson,
});

function apply(body: Json, m: Mutation): Json {
  const copy = structuredClone(body);
  const all = paths(copy);
  const path = all[m.at % all.length]!;
  if (path.length === 0) return m.op === 'replace' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<Json>((node, k) => (node as Record<string, Json>)[k as string]!, copy) as
    Record<string, Json> | Json[];
  const last = path.at(-1)!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last as string];
  } else if (m.op === 'replace') {
    (parent as Record<string, Json>)[last as string] = m.value;
  } else {
    const target = (parent as Record<string, Json>)[last as string];
    if (Array.isArray(target)) target.push(m.value);
    else if (target && typeof target === 'object') target[m.key] = m.value;
    else (parent as Record<string, Json>)[m.key] = m.value;
  }
  return copy;
}

// A valid body, mutated 1–3 times, sometimes cut short as text.
export function nearValid(valid: fc.Arbitrary<Json>): fc.Arbitrary<Buffer> {
  return fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.option(fc.nat(), { freq: 5 }))
    .map(([body, mutations, cut]) => {
      const text = JSON.stringify(mutations.reduce(apply, body as Json));
      return Buffer.from(cut === null ? text : text.slice(0, cut % (text.length + 1)));
    });
}

export const randomJsonBody: fc.Arbitrary<Buffer> = fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
export const randomBytesBody: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b));
export const oversizedBody: fc.Arbitrary<Buffer> = fc
  .integer({ min: 1, max: 4096 })
  .map((extra) => Buffer.alloc(MAX_BODY_BYTES + extra, 0x20));

const version = fc.stringMatching(/^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/);
const severity = fc.constantFrom('low', 'medium', 'high', 'critical');
const otProtocol = fc.constantFrom('modbus', 's7', 'dnp3', 'ethernet-ip', 'bacnet', 'iec104', 'opc-ua', 'other');

export const validRegister: fc.Arbitrary<Json> = fc.record({
  protocol: fc.constant(1),
  name: fc.stringMatching(/^r-[A-Za-z0-9._-]{1,20}$/),
  version,
  clock: fc.constant(0).map(() => Date.now()),
});

export const validHeartbeat: fc.Arbitrary<Json> = fc.record({
  protocol: fc.constant(1),
  version,
  clock: fc.integer({ min: -60_000, max: 60_000 }).map((d) => Date.now() + d),
  highestTerm: fc.nat(10),
  counters: fc.record({ packets: fc.nat(), alerts: fc.nat(), devices: fc.nat(), outbox: fc.nat(5000) }),
});

// Consecutive events from a start seq chosen around the sensor's ackedSeq (replays, overlaps, gaps).
export function validEvents(ackedSeq: () => number): fc.Arbitrary<Json> {
  const event = fc.oneof(
    fc.record({
      kind: fc.constant('alert'),
      severity,
      title: fc.string({ minLength: 1, maxLength: 60 }).filter((t) => t.trim().length > 0 && !t.includes('\u0000')),
      protocol: otProtocol,
      source: fc.constant('10.0.0.1'),
      destination: fc.constant('10.0.0.2'),
    }),
    fc.record({
      kind: fc.constant('device'),
      key: fc.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){2}$/),
      protocol: otProtocol,
      vendor: fc.constantFrom('Siemens', 'Schneider', 'Rockwell'),
    }),
  );
  return fc
    .tuple(
      fc.integer({ min: -3, max: 2 }),
      fc.array(event, { minLength: 1, maxLength: 12 }),
      fc.integer({ min: -3_600_000, max: 3_600_000 }),
    )
    .map(([offset, list, skew]) => {
      const from = Math.max(1, ackedSeq() + 1 + offset);
      return { protocol: 1, events: list.map((e, i) => ({ seq: from + i, at: Date.now() + skew, ...e })) } as Json;
    });
}
