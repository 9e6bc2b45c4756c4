import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { z } from 'zod';
import { PeerCallError, describePeerError, type PeerCallFailure } from './errors.ts';
import { isPinned, pinPeers, type PeerPins, type PinResult } from './fingerprint-pin.ts';
import type { PeerTlsIdentity } from './server-tls.ts';

export type PeerAddress = { host: string; port: number };

export type PeerClientOptions = {
  identity: PeerTlsIdentity;
  peer: PeerAddress;
  pinned: readonly string[];
  // A blackholed link raises no error: a call that receives nothing for this long has stalled.
  idleTimeoutMs?: number;
  // Bound on a whole call, however slowly the bytes trickle in.
  totalTimeoutMs?: number;
  maxResponseBytes?: number;
};

export type PeerCall<S extends z.ZodType> = { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; body?: unknown; response: S };
export type PeerCallResult<T> = { ok: true; status: number; value: T; fingerprint: string } | PeerCallFailure;

export type PeerClient = {
  request<S extends z.ZodType>(call: PeerCall<S>): Promise<PeerCallResult<z.infer<S>>>;
  pins(): PeerPins;
  replacePins(pems: readonly string[]): PinResult;
  close(): void;
};

export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function createPeerClient(options: PeerClientOptions): { ok: true; client: PeerClient } | Extract<PinResult, { ok: false }> {
  const initial = pinPeers(options.pinned);
  if (!initial.ok) return initial;
  let pins = initial.pins;
  let agent = pinnedAgent(options.identity, pins);
  const where = `${options.peer.host}:${options.peer.port}`;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const totalMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const mismatch = (presented: string | undefined): PeerCallFailure => ({
    ok: false,
    code: 'PEER_CERTIFICATE_MISMATCH',
    message: presented
      ? `The console at ${where} presented certificate ${presented}, which is not the pinned peer certificate. If the peer's certificate was replaced without announcing it, pair the consoles again.`
      : `The console at ${where} presented no certificate on this connection, so it cannot be checked against the pinned one.`,
  });

  function request<S extends z.ZodType>(call: PeerCall<S>): Promise<PeerCallResult<z.infer<S>>> {
    return new Promise((resolve) => {
      const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
      let settled = false;
      let fingerprint = '';
      const finish = (result: PeerCallResult<z.infer<S>>) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        clearTimeout(total);
        resolve(result);
      };
      const req = https.request({
        agent,
        host: options.peer.host,
        port: options.peer.port,
        method: call.method ?? (body ? 'POST' : 'GET'),
        path: call.path,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        },
      });
      const fail = (failure: PeerCallFailure) => req.destroy(new PeerCallError(failure));
      let idle = setTimeout(() => fail(timeout(`received nothing for ${idleMs} ms`)), idleMs);
      const total = setTimeout(() => fail(timeout(`did not answer within ${totalMs} ms`)), totalMs);
      const timeout = (why: string): PeerCallFailure => ({
        ok: false,
        code: 'PEER_TIMEOUT',
        message: `The peer console at ${where} ${why}. The link may be down or stalled; the call can be retried.`,
      });
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => fail(timeout(`received nothing for ${idleMs} ms`)), idleMs);
      };

      // The pin is checked on every request, on the socket that carries it: checkServerIdentity runs only
      // on full handshakes, and a kept-alive socket may predate a change of the pinned set.
      req.on('socket', (socket) => {
        const tlsSocket = socket as TLSSocket;
        const check = () => {
          const presented = tlsSocket.getPeerX509Certificate()?.fingerprint256;
          if (!isPinned(pins, presented)) return fail(mismatch(presented));
          fingerprint = presented!;
        };
        if (tlsSocket.connecting || !tlsSocket.getPeerX509Certificate()) tlsSocket.once('secureConnect', check);
        else check();
      });
      req.on('error', (error) => finish(describePeerError(error, where)));
      req.on('response', (res) => {
        touch();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          touch();
          size += chunk.length;
          if (size > maxBytes)
            return fail({
              ok: false,
              code: 'PEER_BAD_RESPONSE',
              message: `The peer console at ${where} sent more than ${maxBytes} bytes for ${call.path}.`,
            });
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(describePeerError(error, where)));
        res.on('end', () => finish(interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), call, where, fingerprint)));
      });
      req.end(body);
    });
  }

  return {
    ok: true,
    client: {
      request,
      pins: () => pins,
      replacePins(pems) {
        const next = pinPeers(pems);
        if (!next.ok) return next;
        pins = next.pins;
        const old = agent;
        agent = pinnedAgent(options.identity, pins);
        old.destroy();
        return next;
      },
      close: () => agent.destroy(),
    },
  };
}

// One agent per pinned set: `ca` is exactly the pinned certificates, and no TLS sessions are cached,
// because Node skips checkServerIdentity on a resumed session (and hides the peer certificate there).
function pinnedAgent(identity: PeerTlsIdentity, pins: PeerPins): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxCachedSessions: 0,
    cert: identity.cert,
    key: identity.key,
    ca: [...pins.pems],
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    // Consoles reach each other by address and pin the exact certificate, so the host name is not what
    // identifies the peer; the fingerprint is.
    checkServerIdentity: (_host, cert) =>
      isPinned(pins, cert.fingerprint256)
        ? undefined
        : new PeerCallError({
            ok: false,
            code: 'PEER_CERTIFICATE_MISMATCH',
            message: `The peer presented certificate ${cert.fingerprint256}, which is not the pinned peer certificate.`,
          }),
  });
}

function interpret<S extends z.ZodType>(
  status: number,
  text: string,
  call: PeerCall<S>,
  where: string,
  fingerprint: string,
): PeerCallResult<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      code: 'PEER_BAD_RESPONSE',
      status,
      message: `The peer console at ${where} answered ${call.path} with ${status} and a body that is not JSON.`,
    };
  }
  if (status < 200 || status > 299) {
    const refusal = json as { code?: unknown; message?: unknown } | null;
    const peerCode = typeof refusal?.code === 'string' ? refusal.code : undefined;
    const peerMessage = typeof refusal?.message === 'string' ? refusal.message : 'no reason given';
    return {
      ok: false,
      code: 'PEER_REFUSED',
      status,
      peerCode,
      message: `The peer console refused ${call.path} (${status}${peerCode ? ` ${peerCode}` : ''}): ${peerMessage}`,
    };
  }
  const parsed = call.response.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {
      ok: false,
      code: 'PEER_BAD_RESPONSE',
      status,
      message: `The peer console's answer to ${call.path} does not follow the peer protocol${at}: ${issue?.message ?? 'invalid'}. Both consoles must run the same software version.`,
    };
  }
  return { ok: true, status, value: parsed.data, fingerprint };
}
