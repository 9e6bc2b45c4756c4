import { z } from 'zod';

// Sensor protocol v1: the single source of truth for what sensors and the console exchange.
// docs/sensor-protocol.md describes the flow; the OpenAPI document is generated from these schemas.
//
// Transport: HTTPS to the console's address and port from the connection string. The sensor pins the
// console's certificate by its SHA-256 fingerprint after registration.
// Authentication (the connection-string token itself never travels, see lib/token-proof/proof.ts):
//   register/challenge   none (step 1: the console proves the token over the certificate it served)
//   register             Authorization: Proof <challengeId>:<clientProof> (step 2: the sensor proves it)
//   heartbeat, events    Authorization: Sensor <sensorId>:<credential>
// Errors: 4xx with { code, message } (message readable by a person); never a 5xx for bad input.

export const PROTOCOL_VERSION = 1;
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_EVENTS_PER_BATCH = 500;
// A sensor timestamp further than this from the console's clock is absurd, not drift.
export const MAX_CLOCK_DISTANCE_MS = 365 * 86_400_000;

const sensorName = z
  .string()
  .trim()
  .min(1, 'A sensor name is required.')
  .max(64, 'A sensor name is at most 64 characters.')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'A sensor name holds letters, digits, ".", "_" and "-", starting with a letter or digit.');
const version = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[0-9A-Za-z.+-]+$/, 'A version looks like 1.4.2.');
const epochMs = z.number().int().nonnegative();

const base64url32 = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{43}$/, `${what} is 32 bytes in base64url (43 characters).`);
const fingerprint = z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'A SHA-256 fingerprint looks like AB:CD:… (32 pairs).');

export const registerChallengeRequest = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    clientNonce: base64url32('clientNonce'),
  })
  .strict();
export type RegisterChallengeRequest = z.infer<typeof registerChallengeRequest>;

export const registerChallengeResponse = z.object({
  challengeId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  serverNonce: base64url32('serverNonce'),
  // HMAC-SHA256(token, "otc-console-proof-v1|server|sensor-registration|" clientNonce "|" serverNonce "|" fingerprint)
  serverProof: base64url32('serverProof'),
  // The certificate the console served (its proof is over it); the sensor checks against the one it SAW.
  consoleFingerprint: fingerprint,
  expiresInMs: z.number().int().positive(),
});
export type RegisterChallengeResponse = z.infer<typeof registerChallengeResponse>;

export const registerRequest = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    name: sensorName,
    version,
    clock: epochMs,
    zone: z.string().trim().min(1).max(64).optional(),
    // Re-registering a name that is already registered: that sensor's current credential (it is then
    // rotated). Without it, only a sensor an Admin chose to replace on the Sensors page may take it.
    currentCredential: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'currentCredential is the credential from the last registration (43 characters).')
      .optional(),
  })
  .strict();
export type RegisterRequest = z.infer<typeof registerRequest>;

export const peerInfo = z.object({ address: z.string(), port: z.number().int(), fingerprint: z.string(), role: z.string() });

export const registerResponse = z.object({
  sensorId: z.uuid(),
  // Shown once: the console keeps only its hash.
  credential: z.string(),
  consoleFingerprint: z.string(),
  heartbeatIntervalMs: z.number().int().positive(),
  // Events up to this seq are already stored (a re-registering sensor continues from here).
  ackedSeq: z.number().int().nonnegative(),
  durableSeq: z.number().int().nonnegative().optional(),
  peers: z.array(peerInfo),
});
export type RegisterResponse = z.infer<typeof registerResponse>;

export const heartbeatRequest = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    version,
    clock: epochMs,
    // The highest HA term the sensor has seen from any console (0 when none).
    highestTerm: z.number().int().nonnegative(),
    // The last stamp THIS console gave this sensor, echoed: the console counts the heartbeat as a vote from
    // the time it issued that stamp, not from arrival (docs/sensor-protocol.md, "Votes, stamps and
    // probes"). Omitted on the first heartbeat to a console and after every switch of console. Opaque.
    stamp: z.string().min(1).max(256).optional(),
    // A reachability probe of the console the sensor does not use: no vote, no liveness recorded.
    probe: z.boolean().optional(),
    counters: z
      .object({
        packets: z.number().int().nonnegative(),
        alerts: z.number().int().nonnegative(),
        devices: z.number().int().nonnegative(),
        outbox: z.number().int().nonnegative(),
      })
      .strict(),
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

export const heartbeatResponse = z.object({
  role: z.enum(['STANDALONE', 'PRIMARY', 'SECONDARY']),
  state: z.enum(['ACTIVE', 'STANDBY', 'FROZEN']),
  term: z.number().int().nonnegative(),
  serverTime: epochMs,
  heartbeatIntervalMs: z.number().int().positive(),
  ackedSeq: z.number().int().nonnegative(),
  // Events up to this seq may leave the sensor's outbox; see eventsResponse.
  durableSeq: z.number().int().nonnegative().optional(),
  peers: z.array(peerInfo),
  // Console-issued and MACed, to be echoed on the next heartbeat to this console; absent on probes and
  // from consoles that do not count votes.
  stamp: z.string().min(1).max(256).optional(),
  // Who this console believes is the active console. A console that is not ACTIVE and names its peer
  // sends the sensor there (planned switchover, a frozen console). Absent from older consoles.
  active: z.enum(['self', 'peer', 'unknown']).optional(),
});
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const otProtocol = z.enum(['modbus', 's7', 'dnp3', 'ethernet-ip', 'bacnet', 'iec104', 'opc-ua', 'other']);

export const alertEvent = z
  .object({
    seq: z.number().int().positive(),
    kind: z.literal('alert'),
    at: epochMs,
    severity,
    title: z.string().trim().min(1).max(200),
    protocol: otProtocol,
    source: z.string().max(64),
    destination: z.string().max(64),
    details: z.string().max(2000).optional(),
  })
  .strict();

export const deviceEvent = z
  .object({
    seq: z.number().int().positive(),
    kind: z.literal('device'),
    at: epochMs,
    // Stable identity of the device on the sensor's network (MAC address, or IP when no MAC is seen).
    key: z.string().trim().min(1).max(64),
    protocol: otProtocol,
    ip: z.string().max(45).optional(),
    vendor: z.string().max(100).optional(),
    model: z.string().max(100).optional(),
    firmware: z.string().max(64).optional(),
  })
  .strict();

export const sensorEvent = z.discriminatedUnion('kind', [alertEvent, deviceEvent]);
export type SensorEventInput = z.infer<typeof sensorEvent>;

// Events go in seq order without gaps, starting at most at ackedSeq + 1 (earlier ones are replays and are
// skipped); a batch starting beyond ackedSeq + 1 is refused so that what is stored is always 1..ackedSeq.
export const eventsRequest = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    events: z
      .array(sensorEvent)
      .min(1, 'A batch holds at least one event.')
      .max(MAX_EVENTS_PER_BATCH, `A batch holds at most ${MAX_EVENTS_PER_BATCH} events.`)
      .refine(
        (events) => events.every((e, i) => i === 0 || e.seq === events[i - 1]!.seq + 1),
        'Events in a batch must have consecutive seq numbers.',
      ),
  })
  .strict();
export type EventsRequest = z.infer<typeof eventsRequest>;

export const eventsResponse = z.object({
  // Stored on this console: the sensor sends from ackedSeq + 1 next.
  ackedSeq: z.number().int().nonnegative(),
  // Safe to drop from the outbox: stored here and, when paired, on the peer too (≤ ackedSeq). A sensor
  // keeps durableSeq+1..ackedSeq until then, so that a console lost with them loses nothing.
  // Absent from older consoles: then ackedSeq.
  durableSeq: z.number().int().nonnegative().optional(),
  stored: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});
export type EventsResponse = z.infer<typeof eventsResponse>;

export const errorResponse = z.object({ code: z.string(), message: z.string() });
