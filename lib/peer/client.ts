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
  // This console's own certificate (after announcing it to the peer).
  replaceIdentity(identity: PeerTlsIdentity): void;
  close(): void;
};

export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function createPeerClient(options: PeerClientOptions): { ok: true; client: PeerClient } | Extract<PinResult, { ok: false }> {
  const initial = pinPeers(options.pinned);
  if (!initial.ok) return initial;
  let pins = initial.pins;
  let identity = options.identity;
  let agent = pinnedAgent(identity);
  // New calls get the new settings at once; calls in flight finish on the old agent, whose sockets are
  // closed as they come free instead of being kept alive under settings no longer current.
  const rebuild = () => {
    const old = agent;
    agent = pinnedAgent(identity);
    old.keepSocketAlive = () => false;
    for (const sockets of Object.values(old.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  };
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

  // A kept-alive socket the peer closed just as it was reused fails before any answer (Node's
  // keep-alive race, and the peer's listener drops connections whose certificate it no longer pins):
  // such a call is sent once more on a fresh connection. Peer endpoints are idempotent for this reason.
  async function request<S extends z.ZodType>(call: PeerCall<S>): Promise<PeerCallResult<z.infer<S>>> {
    // One overall bound for both attempts, on the monotonic clock.
    const deadline = performance.now() + totalMs;
    const first = await attempt(call, deadline);
    return first === 'stale-socket' ? ((await attempt(call, deadline)) as PeerCallResult<z.infer<S>>) : first;
  }

  function attempt<S extends z.ZodType>(call: PeerCall<S>, deadline: number): Promise<PeerCallResult<z.infer<S>> | 'stale-socket'> {
    return new Promise((resolve) => {
      const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
      let settled = false;
      let fingerprint = '';
      let answered = false;
      const finish = (result: PeerCallResult<z.infer<S>> | 'stale-socket') => {
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
      const total = setTimeout(() => fail(timeout(`did not answer within ${totalMs} ms`)), Math.max(0, deadline - performance.now()));
      const timeout = (why: string): PeerCallFailure => ({
        ok: false,
        code: 'PEER_TIMEOUT',
        message: `The peer console at ${where} ${why}. The link may be down or stalled; the call can be retried.`,
      });
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => fail(timeout(`received nothing for ${idleMs} ms`)), idleMs);
      };

      // The pin is checked on every request, against the certificate read when the socket's handshake
      // completed: a kept-alive socket may predate a change of the pinned set. Node sends the request
      // only after 'secureConnect', so a stranger never receives it.
      req.on('socket', (socket) => {
        const tlsSocket = socket as TLSSocket;
        const check = () => {
          const presented = serverCertificateOf.get(tlsSocket) ?? undefined;
          if (!isPinned(pins, presented)) return fail(mismatch(presented));
          fingerprint = presented!;
        };
        if (serverCertificateOf.has(tlsSocket)) return check();
        tlsSocket.once('secureConnect', () => {
          serverCertificateOf.set(tlsSocket, tlsSocket.getPeerX509Certificate()?.fingerprint256 ?? null);
          check();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        finish(stale ? 'stale-socket' : describePeerError(error, where));
      });
      req.on('response', (res) => {
        answered = true;
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
        rebuild();
        return next;
      },
      replaceIdentity(next) {
        identity = next;
        rebuild();
      },
      close: () => agent.destroy(),
    },
  };
}

// OpenSSL does not keep the server certificate reachable for the life of a kept-alive socket, so it is
// read once, at the handshake, and every request on the socket is judged by that reading.
const serverCertificateOf = new WeakMap<TLSSocket, string | null>();

// One agent per pinned set and identity. The pin is the exact certificate, checked above, not OpenSSL's
// chain verification: with `ca` = the pinned certificates, Node 20 refuses a CA-issued peer certificate
// and, of two pinned certificates with the same subject (as during a certificate renewal), accepts only
// the first. rejectUnauthorized: false is safe only because of that check, which runs on every request
// (checkServerIdentity would not: Node skips it when rejectUnauthorized is off, and on resumed sessions).
// No TLS sessions are cached: a resumed session shows no server certificate to check.
function pinnedAgent(identity: PeerTlsIdentity): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxCachedSessions: 0,
    cert: identity.cert,
    key: identity.key,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
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
