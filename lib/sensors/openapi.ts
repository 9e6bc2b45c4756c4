import { z } from 'zod';
import {
  errorResponse,
  eventsRequest,
  eventsResponse,
  heartbeatRequest,
  heartbeatResponse,
  MAX_BODY_BYTES,
  MAX_CLOCK_DISTANCE_MS,
  MAX_EVENTS_PER_BATCH,
  PROTOCOL_VERSION,
  registerChallengeRequest,
  registerChallengeResponse,
  registerRequest,
  registerResponse,
} from './protocol.ts';
import { HEARTBEAT_INTERVAL_MS } from './timing.ts';

// The OpenAPI 3.0 description of sensor protocol v1, generated from the zod schemas in protocol.ts (the
// one contract): `node --import tsx scripts/openapi.ts` writes docs/sensor-protocol.openapi.json,
// and a unit test fails when that file is stale.
const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const error = (description: string) => ({ description, content: json('Error') });

const common = {
  '400': error(
    "Malformed JSON, invalid UTF-8, NUL characters or unpaired surrogates in text, a body that breaks the schema, or an absurd clock/timestamp (more than a year from the console's). Nothing is stored.",
  ),
  '405': error('Only POST is accepted.'),
  '413': error(`The body is larger than ${MAX_BODY_BYTES} bytes. Nothing is stored.`),
  '429': error(
    'Too many failed authentications (per address for token proofs, per address and sensor id for credentials); see Retry-After.',
  ),
  '500': error("A console bug (never the answer to bad input). Retry later; the event stays in the sensor's outbox."),
};

export function sensorProtocolOpenApi() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'OT Management Console — sensor protocol',
      version: String(PROTOCOL_VERSION),
      description: `Generated from lib/sensors/protocol.ts. See docs/sensor-protocol.md for the flow. Heartbeats every ${HEARTBEAT_INTERVAL_MS} ms by default (the console says so in every response). Timestamps are milliseconds since the epoch; a clock or event time more than ${MAX_CLOCK_DISTANCE_MS / 86_400_000} days from the console's is refused.`,
    },
    paths: {
      '/api/v1/sensors/register/challenge': {
        post: {
          summary: 'Registration step 1: the console proves it knows the connection-string token',
          description:
            'serverProof = HMAC-SHA256(token, "otc-console-proof-v1|server|sensor-registration|" clientNonce "|" serverNonce "|" fingerprint), base64url, over the certificate the console served on this connection. The sensor verifies it over the certificate it saw and sends nothing more if it differs. The challenge is single use and expires after expiresInMs.',
          requestBody: { required: true, content: json('RegisterChallengeRequest') },
          responses: {
            '200': { description: 'A challenge and the console proof.', content: json('RegisterChallengeResponse') },
            ...common,
          },
        },
      },
      '/api/v1/sensors/register': {
        post: {
          summary: 'Registration step 2: register a sensor with a proof of the token (the token itself is never sent)',
          description:
            'clientProof = HMAC-SHA256(token, "otc-console-proof-v1|client|sensor-registration|" clientNonce "|" serverNonce "|" fingerprint) over the certificate the sensor saw in step 1. A name already registered needs that sensor\'s currentCredential, or an Admin\'s "Replace sensor" within the last 10 minutes.',
          security: [{ tokenProof: [] }],
          requestBody: { required: true, content: json('RegisterRequest') },
          responses: {
            '200': {
              description: 'Registered. The credential is shown only here; pin consoleFingerprint from now on.',
              content: json('RegisterResponse'),
            },
            '401': error(
              'PROOF_REQUIRED (no proof; a Bearer token is refused), CHALLENGE_EXPIRED (unknown, used or too old: start again), CERTIFICATE_CHANGED (start again) or WRONG_PROOF (wrong token, or TLS intercepted).',
            ),
            '409': error(
              'NAME_TAKEN: the name is registered and neither its current credential nor an Admin replacement allows taking it over.',
            ),
            ...common,
          },
        },
      },
      '/api/v1/sensors/heartbeat': {
        post: {
          summary: "Report liveness; learn the console's role, state, term and the stored ackedSeq",
          description:
            'A heartbeat is a vote for this console: it echoes in `stamp` the last stamp this console gave the sensor (omitted on the first heartbeat to a console and after a switch), and the console counts the vote from the time it issued that stamp. With `probe: true` it is a reachability probe of the console the sensor does not use: no vote, no liveness, no stamp in the answer. `highestTerm` is the highest HA term the sensor has seen (persisted before it is sent). The answer\'s `active` says which console this one believes is active; a console that is not ACTIVE and answers `active: "peer"` with a term at least the sensor\'s sends the sensor to its peer. A 5xx, a network error or no answer within 1 s counts as a failed heartbeat; after 3 in a row a paired sensor switches console.',
          security: [{ sensorCredential: [] }],
          requestBody: { required: true, content: json('HeartbeatRequest') },
          responses: {
            '200': { description: 'Heard.', content: json('HeartbeatResponse') },
            '401': error(
              'Missing header, unknown sensor (deleted: register again) or wrong credential (replaced by a newer registration).',
            ),
            ...common,
          },
        },
      },
      '/api/v1/sensors/events': {
        post: {
          summary: 'Upload a batch of alerts and device reports',
          description: `Up to ${MAX_EVENTS_PER_BATCH} events with consecutive seq numbers. Events at or below the stored ackedSeq are replays and are skipped; a batch must start at most at ackedSeq + 1. Each seq is stored exactly once; the sensor may drop events up to the returned ackedSeq from its outbox.`,
          security: [{ sensorCredential: [] }],
          requestBody: { required: true, content: json('EventsRequest') },
          responses: {
            '200': { description: 'Stored (or recognised as already stored).', content: json('EventsResponse') },
            '401': error('Missing header, unknown sensor or wrong credential.'),
            '409': {
              description:
                'The batch starts beyond ackedSeq + 1: message "expected seq N …" and expectedSeq = N. Nothing is stored; resend from N.',
              content: json('SeqGapError'),
            },
            '503': error('The console is saturated; retry after Retry-After seconds. Nothing is stored.'),
            ...common,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        tokenProof: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            '"Proof <challengeId>:<clientProof>": a proof of the connection-string token (System Settings → Sensor Setup) answering a challenge from /api/v1/sensors/register/challenge.',
        },
        sensorCredential: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '"Sensor <sensorId>:<credential>" with the values from the registration response.',
        },
      },
      schemas: {
        RegisterChallengeRequest: schema(registerChallengeRequest, 'input'),
        RegisterChallengeResponse: schema(registerChallengeResponse, 'output'),
        RegisterRequest: schema(registerRequest, 'input'),
        RegisterResponse: schema(registerResponse, 'output'),
        HeartbeatRequest: schema(heartbeatRequest, 'input'),
        HeartbeatResponse: schema(heartbeatResponse, 'output'),
        EventsRequest: schema(eventsRequest, 'input'),
        EventsResponse: schema(eventsResponse, 'output'),
        Error: schema(errorResponse, 'output'),
        SeqGapError: schema(errorResponse.extend({ expectedSeq: z.number().int().positive() }), 'output'),
      },
    },
  };
}

export function sensorProtocolOpenApiText(): string {
  return `${JSON.stringify(sensorProtocolOpenApi(), null, 2)}\n`;
}
