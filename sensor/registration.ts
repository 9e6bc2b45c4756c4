import type https from 'node:https';
import {
  PROTOCOL_VERSION,
  registerChallengeResponse,
  registerResponse,
  type RegisterRequest,
  type RegisterResponse,
} from '../lib/sensors/protocol.ts';
import { checkConsoleProof, newNonce } from '../lib/token-proof/proof.ts';
import { ConsoleUnreachableError, consoleError, PinnedAgent, postJson, registrationAgent, type Reply } from './client.ts';

// Registration without sending the token (docs/sensor-protocol.md, "Proving the token"):
//   1. POST /register/challenge { clientNonce } on a fresh connection; the console answers with its proof
//      over the certificate it served. It must verify over the certificate THIS connection presented,
//      or nothing more is sent.
//   2. POST /register with this sensor's proof, on a connection pinned to that same certificate, so the
//      proof and the registration reach only the console that proved itself.
export type RegistrationOutcome =
  | { ok: true; response: RegisterResponse }
  // `fatal`: retrying cannot help (wrong token, interception, refused input, name taken).
  | { ok: false; fatal: boolean; code: string; message: string; retryAfterMs: number | null };

export type RegistrationOptions = {
  host: string;
  port: number;
  token: string;
  request: Omit<RegisterRequest, 'protocol' | 'clock'>;
  // For step 1: no TLS session cache (a resumed session may not show its certificate).
  freshAgent: https.Agent;
  // For step 2: refuses, before sending a byte, any connection whose certificate is not this one.
  pinnedAgent: (fingerprint: string) => https.Agent;
  timeoutMs: number;
};

// NOT_ACTIVE: a standby console may become the active one.
const RETRYABLE_CODES = new Set([
  'CHALLENGE_EXPIRED',
  'CERTIFICATE_CHANGED',
  'THROTTLED',
  'BUSY',
  'NO_CERTIFICATE',
  'PIN_MISMATCH',
  'NOT_ACTIVE',
]);

function refused(reply: Reply, address: string): RegistrationOutcome {
  const { code, message } = consoleError(reply);
  const fatal = reply.status < 500 && reply.status !== 429 && !RETRYABLE_CODES.has(code);
  return {
    ok: false,
    fatal,
    code,
    message: `The console at ${address} refused the registration: ${message}`,
    retryAfterMs: reply.retryAfterMs,
  };
}

async function post(options: RegistrationOptions, agent: https.Agent, path: string, body: unknown, authorization?: string) {
  try {
    const reply = await postJson({
      agent,
      host: options.host,
      port: options.port,
      path,
      authorization,
      body: JSON.stringify(body),
      timeoutMs: options.timeoutMs,
      capturePeer: true,
    });
    return { ok: true as const, reply };
  } catch (error) {
    if (!(error instanceof ConsoleUnreachableError)) throw error;
    return { ok: false as const, fatal: false, code: error.code, message: error.message, retryAfterMs: null };
  }
}

export async function registerWithProof(options: RegistrationOptions): Promise<RegistrationOutcome> {
  const address = `${options.host}:${options.port}`;
  const notProtocol = (step: string): RegistrationOutcome => ({
    ok: false,
    fatal: true,
    code: 'BAD_RESPONSE',
    message: `The console at ${address} answered the ${step} with something other than protocol v${PROTOCOL_VERSION}.`,
    retryAfterMs: null,
  });

  const clientNonce = newNonce();
  const first = await post(options, options.freshAgent, '/api/v1/sensors/register/challenge', { protocol: PROTOCOL_VERSION, clientNonce });
  if (!first.ok) return first;
  if (first.reply.status !== 200) return refused(first.reply, address);
  const challenge = registerChallengeResponse.safeParse(first.reply.json);
  if (!challenge.success) return notProtocol('registration challenge');
  const seen = first.reply.peerFingerprint;
  const check = checkConsoleProof({
    token: options.token,
    purpose: 'sensor-registration',
    clientNonce,
    serverNonce: challenge.data.serverNonce,
    serverProof: challenge.data.serverProof,
    claimedFingerprint: challenge.data.consoleFingerprint,
    seenFingerprint: seen,
    address,
  });
  if (!check.ok)
    return {
      ok: false,
      fatal: check.code !== 'NO_CERTIFICATE',
      code: check.code,
      message: `Refusing to register with ${address}: ${check.message}`,
      retryAfterMs: null,
    };

  const second = await post(
    options,
    options.pinnedAgent(seen!),
    '/api/v1/sensors/register',
    { protocol: PROTOCOL_VERSION, ...options.request, clock: Date.now() },
    `Proof ${challenge.data.challengeId}:${check.clientProof}`,
  );
  if (!second.ok) return second;
  if (second.reply.status !== 200) return refused(second.reply, address);
  const registered = registerResponse.safeParse(second.reply.json);
  if (!registered.success) return notProtocol('registration');
  if (registered.data.consoleFingerprint !== seen)
    return {
      ok: false,
      fatal: true,
      code: 'TLS_INTERCEPTED',
      message: `Refusing the registration: the console says its certificate is ${registered.data.consoleFingerprint} but the connection presented ${seen}. Something between this sensor and ${address} is intercepting TLS.`,
      retryAfterMs: null,
    };
  return { ok: true, response: registered.data };
}

// One registration on agents of its own (tests, benchmarks, scripts): the same two steps as the agent.
export async function registerOnce(options: {
  host: string;
  port: number;
  token: string;
  request: RegistrationOptions['request'];
  localAddress?: string;
  timeoutMs?: number;
}): Promise<RegistrationOutcome> {
  const extra = options.localAddress ? { localAddress: options.localAddress } : {};
  const fresh = registrationAgent(1, extra);
  const pinned: PinnedAgent[] = [];
  try {
    return await registerWithProof({
      host: options.host,
      port: options.port,
      token: options.token,
      request: options.request,
      freshAgent: fresh,
      pinnedAgent: (fingerprint) => {
        const agent = new PinnedAgent(fingerprint, 1, extra);
        pinned.push(agent);
        return agent;
      },
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  } finally {
    fresh.destroy();
    for (const agent of pinned) agent.destroy();
  }
}
