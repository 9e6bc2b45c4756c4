import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

// HTTPS to the console. After registration every connection is PINNED: the console's certificate is
// self-signed (or issued by a site CA the sensor does not know), so the chain is not verified; instead
// the SHA-256 fingerprint of the certificate it presents must equal the one stored at registration.
//
// The check happens in the agent's createConnection, before the socket is handed to the HTTP layer, so
// not one byte of a request (and its credential) reaches a host that fails it. A `checkServerIdentity`
// hook would not do: Node skips it when chain verification already failed, which it always does for a
// self-signed certificate with rejectUnauthorized false.

export class PinMismatchError extends Error {
  readonly code = 'PIN_MISMATCH';
  constructor(
    readonly address: string,
    readonly presented: string,
    readonly pinned: string,
  ) {
    super(
      `Refusing to talk to ${address}: its certificate (SHA-256 ${presented}) is not the console certificate pinned at registration (${pinned}). ` +
        "Something else may be answering at that address. If the console's certificate was replaced on purpose, an Admin chooses Replace sensor for it on the Sensors page; then remove its identity.json and start it again to register.",
    );
  }
}

// A connection whose TLS handshake gets no answer (a link that swallows packets) is given up after this
// long. Until then it holds one of the agent's sockets, and a request waiting for it has no socket to time
// out on, so without this bound a silent console would wedge the agent for as long as the TCP connection
// stays open.
export const HANDSHAKE_TIMEOUT_MS = 5000;

// A request that timed out has failed for the caller (a heartbeat is a miss), but once it was sent its
// connection waits this much longer for the late answer, reads it and goes back to the agent. Destroying it
// at the timeout instead made a slow console slower: every timed-out heartbeat came back on a new
// connection, a TLS handshake the busy console had to pay for; after a failover, 1,000 sensors arriving at
// once kept the console that took over in handshakes (thousands of connections a second, its accept queue
// full); this and the one-attempt-at-a-time rule below let it settle. A request still waiting for its
// connection is dropped at the timeout (Node pools the connection once its handshake completes).
export const LATE_ANSWER_MS = 5000;

// One TLS context per agent (or one shared by many: `limits.context`), not one per connection: tls.connect
// without `secureContext` builds a fresh context (the whole default CA store included) for every socket,
// which made a fleet of 1,000 sensors spend a third of its CPU on contexts whenever consoles were slow and
// sockets were replaced. The chain is never verified here (the pin is the check), so nothing per
// connection belongs in the context.
export const pinnedContext = (extra: https.AgentOptions = {}) => tls.createSecureContext(extra as tls.SecureContextOptions);

// Connections being set up at once, at most: the rest wait their turn here. A sensor that sends its next
// heartbeat while its last connection attempt is still in its handshake (a console busy with the
// handshakes of every sensor that just failed over to it) would otherwise open another one, and another
// each second, until the console's accept queue overflows and its SYNs are retried a second and three
// seconds later. One attempt at a time per sensor (an agent per sensor, maxConnecting 1) lets the console
// get through them instead.
export class PinnedAgent extends https.Agent {
  private readonly context: tls.SecureContext;
  private connecting = 0;
  private readonly waitingToConnect: (() => void)[] = [];
  private readonly waitingForAttempt: (() => void)[] = [];

  private readonly handshakeTimeoutMs: number;
  private readonly maxConnecting: number;

  constructor(
    readonly pinned: string,
    maxSockets: number,
    extra: https.AgentOptions = {},
    // maxConnecting: default no bound below maxSockets. context: shared by agents with the same `extra`.
    limits: { handshakeTimeoutMs?: number; maxConnecting?: number; context?: tls.SecureContext } = {},
  ) {
    super({
      ...extra,
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxSockets,
      maxFreeSockets: maxSockets,
      scheduling: 'lifo',
      rejectUnauthorized: false,
    });
    this.context = limits.context ?? pinnedContext(extra);
    this.handshakeTimeoutMs = limits.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.maxConnecting = limits.maxConnecting ?? maxSockets;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const start = () => {
      this.connecting++;
      this.connect(options, (error, stream) => {
        this.connecting--;
        this.waitingToConnect.shift()?.();
        callback?.(error, stream);
        // After Node has pooled the new socket (on the next tick, when its own request is gone).
        const waiting = this.waitingForAttempt.splice(0);
        if (waiting.length > 0) setImmediate(() => waiting.forEach((wake) => wake()));
      });
    };
    if (this.connecting < this.maxConnecting) start();
    else this.waitingToConnect.push(start);
    return undefined;
  }

  override destroy(): void {
    this.waitingToConnect.length = 0;
    for (const wake of this.waitingForAttempt.splice(0)) wake();
    super.destroy();
  }

  // While a connection is being set up and none is free, a new request would only queue one more attempt
  // behind it (Node's agent creates a socket per request below maxSockets): with a console slow to
  // handshake, a sensor heartbeating every second stacked one attempt per heartbeat, and when the first gave
  // up the next began, for requests long gone, each one more handshake for the console.
  // Such a request waits for the attempt under way instead (postJson): resolved when it ends, either way.
  // Null when a request can go now.
  attemptUnderway(): Promise<void> | null {
    if (this.connecting === 0) return null;
    if (Object.values(this.freeSockets).some((free) => (free?.length ?? 0) > 0)) return null;
    return new Promise((resolve) => this.waitingForAttempt.push(resolve));
  }

  private connect(options: https.RequestOptions, callback: (err: Error | null, stream: Duplex) => void): void {
    const address = `${options.host}:${options.port}`;
    // No session resumption: every new connection shows its certificate and is checked.
    const socket = tls.connect({
      ...(options as tls.ConnectionOptions),
      secureContext: this.context,
      rejectUnauthorized: false,
      session: undefined,
    });
    let settled = false;
    const handshake = timeoutAfterIo(
      () => settle(Object.assign(new Error(`no TLS handshake within ${this.handshakeTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      this.handshakeTimeoutMs,
    );
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      handshake.cancel();
      socket.off('error', onError);
      if (error) socket.destroy();
      callback(error, socket);
    };
    const onError = (error: Error) => settle(error);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256;
      settle(presented === this.pinned ? null : new PinMismatchError(address, presented ?? 'none', this.pinned));
    });
  }
}

// A timeout that, once due, first lets the event loop read what has already arrived: the answer (or the
// handshake) that came in time is taken, not thrown away because the timer ran first. A process carrying
// many sensors runs behind on its loop, and timers run before the poll for I/O in each turn: a timer that
// ran late would fail a handshake or a heartbeat whose answer was already waiting, and each failed
// handshake costs the console a new one. setImmediate runs after this turn's poll.
export function timeoutAfterIo(onTimeout: () => void, ms: number): { cancel: () => void } {
  let immediate: NodeJS.Immediate | null = null;
  const timer = setTimeout(() => (immediate = setImmediate(onTimeout)), ms);
  return {
    cancel: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

// The agent for registration step 1: the chain is not verified (the connection string carries no
// fingerprint); instead the console must prove the token over the certificate this connection shows.
export function registrationAgent(maxSockets: number, extra: https.AgentOptions = {}): https.Agent {
  // No session resumption: a resumed TLS session may not show the certificate the proof is bound to.
  return new https.Agent({
    ...extra,
    secureContext: pinnedContext(extra),
    keepAlive: true,
    maxSockets,
    rejectUnauthorized: false,
    maxCachedSessions: 0,
  });
}

// At most `limit` requests in flight; the rest wait here, not in Node's agent queue (where a request that
// never gets a socket never times out either). Heartbeats go first, but each kind may use only three
// quarters of the budget: a backlog of events must not make heartbeats late (late heartbeats look like a
// lost console), and a console saturated by heartbeats must still receive events.
export type Priority = 'heartbeat' | 'upload';

export class Gate {
  private active = 0;
  private readonly running: Record<Priority, number> = { heartbeat: 0, upload: 0 };
  private readonly waiting: Record<Priority, (() => void)[]> = { heartbeat: [], upload: [] };
  private readonly share: number;

  constructor(private readonly limit: number) {
    this.share = Math.max(1, Math.floor((limit * 3) / 4));
  }

  async run<T>(work: () => Promise<T>, priority: Priority = 'heartbeat'): Promise<T> {
    if (this.canStart(priority)) this.take(priority);
    else await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    return this.runTaken(work, priority);
  }

  // Like run, but gives up waiting for a slot after `maxWaitMs` (and then runs nothing). `work` learns how
  // long it waited: a heartbeat's timeout counts from when the sensor wanted the answer, so a console that
  // holds every connection (it hangs) makes its heartbeats miss at their rate instead of queueing them.
  async runWithin<T>(
    maxWaitMs: number,
    work: (waitedMs: number) => Promise<T>,
    priority: Priority = 'heartbeat',
  ): Promise<{ started: true; value: T } | { started: false }> {
    const queued = performance.now();
    if (this.canStart(priority)) this.take(priority);
    else {
      const started = await new Promise<boolean>((resolve) => {
        const entry = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          const queue = this.waiting[priority];
          const at = queue.indexOf(entry);
          if (at >= 0) queue.splice(at, 1);
          resolve(false);
        }, maxWaitMs);
        this.waiting[priority].push(entry);
      });
      if (!started) return { started: false };
    }
    return { started: true, value: await this.runTaken(() => work(performance.now() - queued), priority) };
  }

  private async runTaken<T>(work: () => Promise<T>, priority: Priority): Promise<T> {
    try {
      return await work();
    } finally {
      this.active--;
      this.running[priority]--;
      this.next();
    }
  }

  private canStart(priority: Priority): boolean {
    return this.active < this.limit && this.running[priority] < this.share;
  }

  private take(priority: Priority): void {
    this.active++;
    this.running[priority]++;
  }

  private next(): void {
    for (const priority of ['heartbeat', 'upload'] as const) {
      while (this.waiting[priority].length && this.canStart(priority)) {
        this.take(priority);
        this.waiting[priority].shift()!();
      }
    }
  }
}

export type Reply = { status: number; json: unknown; retryAfterMs: number | null; peerFingerprint: string | null };

export class ConsoleUnreachableError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function describeNetworkError(error: NodeJS.ErrnoException, address: string, timeoutMs: number): ConsoleUnreachableError {
  if (error instanceof PinMismatchError) return new ConsoleUnreachableError(error.message, error.code);
  const reasons: Record<string, string> = {
    ECONNREFUSED: `nothing accepts connections at ${address} (is the console running, and is the port right?)`,
    ETIMEDOUT: `${address} did not answer within ${timeoutMs / 1000} s`,
    ECONNRESET: `${address} closed the connection`,
    EHOSTUNREACH: `there is no route to ${address}`,
    ENETUNREACH: `there is no route to ${address}`,
    EPIPE: `${address} closed the connection`,
  };
  const code = error.code ?? 'ERROR';
  return new ConsoleUnreachableError(reasons[code] ?? `${address}: ${error.message}`, code);
}

export type PostOptions = {
  agent: https.Agent;
  host: string;
  port: number;
  path: string;
  authorization?: string;
  body: string;
  timeoutMs: number;
  // How long a timed-out request's connection waits for the late answer (LATE_ANSWER_MS).
  lateAnswerMs?: number;
  // Report the certificate the console presented (registration only: it is not cheap).
  capturePeer?: boolean;
};

// POST a JSON body, resolve with the status and parsed JSON (null when the body is not JSON). Network
// failures, timeouts and pinning refusals reject with a ConsoleUnreachableError.
export async function postJson(options: PostOptions): Promise<Reply> {
  const underway = options.agent instanceof PinnedAgent ? options.agent.attemptUnderway() : null;
  if (!underway) return send(options, options.timeoutMs);
  const started = performance.now();
  let timer: { cancel: () => void } | undefined;
  const inTime = await Promise.race([
    underway.then(() => true),
    new Promise<boolean>((resolve) => (timer = timeoutAfterIo(() => resolve(false), options.timeoutMs))),
  ]);
  timer?.cancel();
  const address = `${options.host}:${options.port}`;
  if (!inTime) throw describeNetworkError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), address, options.timeoutMs);
  return send({ ...options, timeoutMs: Math.max(1, options.timeoutMs - (performance.now() - started)) }, options.timeoutMs);
}

// `describedMs`: the whole timeout, as the caller set it (part of it may have gone waiting for a connection).
function send(options: PostOptions, describedMs: number): Promise<Reply> {
  const address = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: Error | null, reply?: Reply) => {
      if (done) return;
      done = true;
      timer.cancel();
      if (error) reject(error);
      else resolve(reply!);
    };
    const req = https.request(
      {
        host: options.host,
        port: options.port,
        path: options.path,
        method: 'POST',
        agent: options.agent,
        headers: {
          ...(options.authorization ? { authorization: options.authorization } : {}),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          accept: 'application/json',
        },
      },
      (res) => {
        // Read now: once the body is consumed, a kept-alive socket goes back to the agent.
        const socket = options.capturePeer ? (res.socket as tls.TLSSocket | null) : null;
        const peer = socket && typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish(describeNetworkError(error, address, describedMs)));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = null;
          }
          const retryAfter = Number(res.headers['retry-after']);
          finish(null, {
            status: res.statusCode ?? 0,
            json,
            retryAfterMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : null,
            peerFingerprint: peer?.fingerprint256 ?? null,
          });
        });
      },
    );
    // Settled here, not by the request's 'error': a request still waiting for its connection (a TLS
    // handshake unanswered) has no socket to destroy, and Node emits nothing for it until it gets one.
    const timer = timeoutAfterIo(() => {
      const error = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
      finish(describeNetworkError(error, address, describedMs));
      if (!req.socket) return void req.destroy(error);
      const late = setTimeout(() => req.destroy(error), options.lateAnswerMs ?? LATE_ANSWER_MS);
      req.once('close', () => clearTimeout(late));
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish(describeNetworkError(error, address, describedMs)));
    req.end(options.body);
  });
}

// The console's error body ({ code, message }), or a description of what came back instead.
export function consoleError(reply: Reply): { code: string; message: string } {
  const body = reply.json as { code?: unknown; message?: unknown } | null;
  if (body && typeof body.code === 'string' && typeof body.message === 'string') return { code: body.code, message: body.message };
  return { code: `HTTP_${reply.status}`, message: `the console answered HTTP ${reply.status} without a protocol error body` };
}
