import { mkdir } from 'node:fs/promises';
import type https from 'node:https';
import path from 'node:path';
import { SOFTWARE_VERSION } from '../lib/appliance/version.ts';
import {
  eventsResponse,
  heartbeatResponse,
  MAX_BODY_BYTES,
  MAX_EVENTS_PER_BATCH,
  PROTOCOL_VERSION,
  type HeartbeatRequest,
  type HeartbeatResponse,
} from '../lib/sensors/protocol.ts';
import { DEFAULT_BACKOFF, nextDelay } from './backoff.ts';
import { ConsoleUnreachableError, consoleError, Gate, postJson, type Reply } from './client.ts';
import {
  advance,
  due,
  HEARTBEAT_TIMEOUT_MS,
  initialFailover,
  onHeartbeatResult,
  onProbeResult,
  onRegistrationNotActive,
  probeSent,
  quietUntil,
  setPeerKnown,
  stampFor,
  switchDueAt,
  type ConsoleAnswer,
  type ConsoleRef,
  type FailoverState,
  type RequestResult,
  type Step,
  type SwitchReason,
} from './failover.ts';
import { lockDirectory } from './files.ts';
import type { Histogram } from './histogram.ts';
import {
  loadHighestTerm,
  loadIdentity,
  loadPeers,
  saveHighestTerm,
  savePeers,
  saveIdentity,
  identityFile,
  type Identity,
} from './identity.ts';
import { Outbox, OutboxGapError } from './outbox.ts';
import { registerWithProof } from './registration.ts';
import { createRandom, hashSeed, type Random } from './prng.ts';
import type { Scheduled, TimerWheel } from './timer-wheel.ts';
import { createTraffic, type Traffic } from './traffic.ts';

// One simulated sensor: registers once, then heartbeats, produces simulated OT events into its durable
// outbox and uploads them in seq order until the console acknowledges them. Many of these share one
// process (see fleet.ts): one timer wheel, one pinned keep-alive agent per console certificate.

export const AGENT_VERSION = SOFTWARE_VERSION;
const REQUEST_TIMEOUT_MS = 10_000;
// Events produced close together go up in one batch.
const SEND_LINGER_MS = 50;

export type ConsoleTarget = { host: string; port: number; token: string };
export type ConnectionState = 'starting' | 'connected' | 'disconnected' | 'stopped';
export type Level = 'info' | 'warn' | 'error';

export type SensorConfig = {
  name: string;
  dataDir: string;
  heartbeatMs: number;
  // Follow the interval the console asks for (when --heartbeat-ms was not given).
  heartbeatFromConsole: boolean;
  eventsPerMinute: number;
  zone?: string;
  seed?: string;
  keepAcked: boolean;
  cacheMax: number;
};

export type FleetStats = {
  heartbeatsOk: number;
  heartbeatsFailed: number;
  heartbeatLatency: Histogram;
  eventsProduced: number;
  eventsAcked: number;
  batches: number;
  registered: number;
  // Switches of console (failover, return, redirect) across the process.
  switches: number;
  probesOk: number;
  probesFailed: number;
};

// What a sensor needs from the process that runs it.
export type SensorHost = {
  target: ConsoleTarget;
  wheel: TimerWheel;
  // The connection budget to one console (by its pinned fingerprint): a console that hangs holds only its own.
  gate: (fingerprint: string) => Gate;
  registrationGate: Gate;
  registrationAgent: https.Agent;
  // The sensor's own agent to the console with this certificate.
  pinnedAgent: (fingerprint: string, sensor: string) => https.Agent;
  stats: FleetStats;
  // `code` groups the same problem across sensors (a fleet prints it once, not 10,000 times).
  report: (sensor: string, level: Level, code: string, message: string) => void;
  onStateChange: (sensor: string, from: ConnectionState, to: ConnectionState) => void;
  onSwitch?: (sensor: string, from: ConsoleRef, to: ConsoleRef) => void;
};

// Registration failed in a way retrying cannot fix (wrong token, refused input, a certificate switch).
export class RegistrationRefusedError extends Error {}

type Outcome =
  | { ok: true; reply: Reply }
  // `status` null: no answer (network error, timeout, pinning refusal).
  | { ok: false; status: number | null; code: string; message: string; retryAfterMs: number | null; expectedSeq?: number };

// No connection to the console came free in time: every one is held by a request it has not answered.
const noConnection = (to: ConsoleEndpoint, timeoutMs: number): Outcome => ({
  ok: false,
  status: null,
  code: 'ETIMEDOUT',
  message: `${to.host}:${to.port} did not answer within ${timeoutMs / 1000} s (every connection to it is waiting for an answer)`,
  retryAfterMs: null,
});

// One of the (at most) two consoles: where it is and the certificate pinned there.
export type ConsoleEndpoint = { ref: ConsoleRef; host: string; port: number; fingerprint: string };

const SWITCH_REASONS: Record<SwitchReason, string> = {
  misses: 'the console in use missed 3 heartbeats',
  'not-active': 'the console in use is not active and names this one',
  probes: 'the preferred console answered 3 probes in a row',
  'registration-not-active': 'the console refused the registration: not active',
  'peer-gone': 'the console is no longer paired',
};

export class SimulatedSensor {
  readonly dir: string;
  state: ConnectionState = 'starting';
  private identity: Identity | null = null;
  private outbox: Outbox | null = null;
  private traffic: Traffic;
  private random: Random;
  private unlock: (() => Promise<void>) | null = null;
  private heartbeatTimer: Scheduled | null = null;
  private produceTimer: Scheduled | null = null;
  private sendTimer: Scheduled | null = null;
  private sending: Promise<void> | null = null;
  private heartbeatFailures = 0;
  private sendFailures = 0;
  private resendFrom: number | null = null;
  // What the console stores, as it last said: events above it are sent, events up to the outbox's pointer
  // are dropped. Paired consoles report a durable seq below this until the peer holds the events too, so
  // the outbox keeps them (not re-sent) for a console that may have to receive them after a failover.
  private consoleAcked = 0;
  private peers: HeartbeatResponse['peers'] = [];
  // Failover decisions (sensor/failover.ts); its highestTerm is the highest seen, `sentTerm` the highest
  // persisted, which is what requests carry (a term is on disk before any console hears it from us).
  private failover: FailoverState = initialFailover({ highestTerm: 0, peer: null });
  private sentTerm = 0;
  private termWrites: Promise<void> = Promise.resolve();
  private heartbeatInFlight = false;
  private beatNow = false;
  private probeTimer: Scheduled | null = null;
  // A console that refused the probe flag as an unknown field predates votes: it is probed with a plain
  // heartbeat (it counts no votes, so that is no vote).
  private readonly legacy: Record<ConsoleRef, boolean> = { home: false, peer: false };
  private switchCount = 0;
  private ackedCounted = 0;
  private alerts = 0;
  private intervalMs: number;
  private readonly startedAt = Date.now();
  private stopping = false;
  private lastProblem = '';
  private disconnectedAt = 0;

  constructor(
    readonly config: SensorConfig,
    private readonly host: SensorHost,
  ) {
    this.dir = path.join(config.dataDir, config.name);
    this.random = createRandom(hashSeed(config.seed ?? '', config.name, 'timing'));
    this.traffic = createTraffic(hashSeed(config.seed ?? '', config.name));
    this.intervalMs = config.heartbeatMs;
  }

  // Events the console has not stored yet.
  get pending(): number {
    return Math.max(0, this.lastSeq - this.ackedSeq);
  }
  // What the console stores.
  get ackedSeq(): number {
    return Math.max(this.outbox?.ackedSeq ?? 0, this.consoleAcked);
  }
  // What the outbox has dropped: stored by the console and, when it is paired, by its peer.
  get releasedSeq(): number {
    return this.outbox?.ackedSeq ?? 0;
  }
  // The other console of a pair, as the console's heartbeat answers name it.
  get knownPeers(): HeartbeatResponse['peers'] {
    return this.peers;
  }
  get lastSeq(): number {
    return this.outbox?.lastSeq ?? 0;
  }
  // The console this sensor heartbeats and uploads to, as `host:port`, and which one it is.
  get currentConsole(): string {
    const e = this.endpoint(this.failover.using);
    return `${e.host}:${e.port}`;
  }
  get consoleInUse(): ConsoleRef {
    return this.failover.using;
  }
  get switches(): number {
    return this.switchCount;
  }
  get highestTerm(): number {
    return this.sentTerm;
  }
  get failoverState(): FailoverState {
    return this.failover;
  }

  // Opens the outbox, registers when there is no identity yet, then starts heartbeats and traffic. The
  // first heartbeat goes out after `phaseMs`, so that a fleet's heartbeats spread over the interval.
  // `registerOnly` stops after the identity is there (provisioning many sensors ahead of a run).
  async start(phaseMs: number, registerOnly = false): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.unlock = await lockDirectory(this.dir);
    this.outbox = await Outbox.open(path.join(this.dir, 'outbox'), {
      keepAcked: this.config.keepAcked,
      cacheMax: this.config.cacheMax,
      onWarning: (message) => this.host.report(this.config.name, 'warn', 'outbox', `outbox: ${message}`),
    });
    // Picks up where the last run left off, so a restarted sensor tells a new part of its story.
    this.traffic = createTraffic(hashSeed(this.config.seed ?? '', this.config.name, this.outbox.lastSeq));
    this.sentTerm = await loadHighestTerm(this.dir);
    this.peers = await loadPeers(this.dir);
    // Paired, the first heartbeat waits out the leave rule: the run before this one may have been with the
    // other console an instant ago.
    this.failover = initialFailover({ highestTerm: this.sentTerm, peer: this.peers[0] ?? null, startedAt: performance.now() });
    this.identity = await loadIdentity(this.dir);
    if (!this.identity) await this.register();
    else if (this.identity.consoleAddress !== this.address()) {
      this.host.report(
        this.config.name,
        'info',
        'address-changed',
        `the console was registered at ${this.identity.consoleAddress}; now using ${this.address()} (still pinned to the same certificate)`,
      );
    }
    if (this.stopping || registerOnly) return;
    this.heartbeatTimer = this.host.wheel.schedule(phaseMs, () => void this.heartbeat());
    this.scheduleProduce(phaseMs);
    if (this.outbox.pending > 0) this.kickSender(phaseMs);
  }

  // Stops producing and heartbeating; uploads what the outbox still holds for up to `flushMs`.
  async stop(flushMs: number): Promise<void> {
    this.stopping = true;
    this.heartbeatTimer?.cancel();
    this.probeTimer?.cancel();
    this.produceTimer?.cancel();
    this.sendTimer?.cancel();
    const deadline = Date.now() + flushMs;
    try {
      if (this.outbox && this.identity) {
        await this.outbox.settle();
        while (this.sending) await this.sending;
        while (this.outbox.pending > 0 && Date.now() < deadline) {
          const progressed = await this.sendOnce(Math.max(1000, deadline - Date.now()));
          if (!progressed) await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
        }
      }
      await this.outbox?.settle();
      await this.termWrites;
    } finally {
      this.setState('stopped');
      await this.unlock?.();
      this.unlock = null;
    }
  }

  private address(): string {
    return `${this.host.target.host}:${this.host.target.port}`;
  }

  // ---- Registration -------------------------------------------------------------------------------

  private async register(): Promise<void> {
    const request = { name: this.config.name, version: AGENT_VERSION, ...(this.config.zone ? { zone: this.config.zone } : {}) };
    for (let attempt = 1; !this.stopping; attempt++) {
      // Home, unless the pair's primary was last known to be the peer or home said it is not active.
      const at = this.failover.using === 'peer' && this.peers[0] ? this.peers[0] : null;
      const where = at ? `${at.address}:${at.port}` : this.address();
      const outcome = await this.host.registrationGate.run(() =>
        registerWithProof({
          host: at ? at.address : this.host.target.host,
          port: at ? at.port : this.host.target.port,
          token: this.host.target.token,
          request,
          freshAgent: this.host.registrationAgent,
          pinnedAgent: (fingerprint) => this.host.pinnedAgent(fingerprint, this.config.name),
          timeoutMs: REQUEST_TIMEOUT_MS,
        }),
      );
      if (outcome.ok) {
        const registered = outcome.response;
        // The identity pins home's certificate; registered at the peer, home is the peer's peer.
        const homeFingerprint = at ? registered.peers[0]?.fingerprint : registered.consoleFingerprint;
        if (!homeFingerprint) {
          this.report('warn', 'register-retry', `registered at ${where}, which names no paired console; registering at ${this.address()}`);
          this.apply(setPeerKnown(this.failover, false, performance.now()));
          continue;
        }
        this.identity = {
          name: this.config.name,
          sensorId: registered.sensorId,
          credential: registered.credential,
          consoleFingerprint: homeFingerprint,
          consoleAddress: this.address(),
          registeredAt: new Date().toISOString(),
        };
        await saveIdentity(this.dir, this.identity);
        if (this.config.heartbeatFromConsole) this.intervalMs = registered.heartbeatIntervalMs;
        // A sensor registering again under a known name continues after what the console already has.
        if (registered.ackedSeq > 0)
          await this.consoleHas(registered.ackedSeq, registered.durableSeq, { authoritative: true, count: false });
        this.host.stats.registered++;
        this.host.report(
          this.config.name,
          'info',
          'registered',
          `registered with the console at ${where} as ${registered.sensorId}; certificate pinned (${registered.consoleFingerprint}); identity in ${identityFile(this.dir)}`,
        );
        return;
      }
      if (outcome.fatal) throw new RegistrationRefusedError(outcome.message);
      if (outcome.code === 'NOT_ACTIVE') {
        const before = this.failover.using;
        this.apply(onRegistrationNotActive(this.failover, before, performance.now()));
        // The other console at once; back and forth between two that are both not active, with backoff.
        if (this.failover.using !== before && before === 'home') continue;
      }
      const delay =
        outcome.retryAfterMs ?? nextDelay({ intervalMs: 1000, ...DEFAULT_BACKOFF, toleratedFailures: 0 }, attempt, this.random.next);
      this.report('warn', 'register-retry', `cannot register yet (${outcome.message}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  // ---- Heartbeats ---------------------------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    if (this.stopping || !this.identity) return;
    this.heartbeatTimer = null;
    // Until the next one is scheduled: a switch decided meanwhile asks for it at once (beatNow), and must
    // not start a second heartbeat loop.
    this.heartbeatInFlight = true;
    let delay = this.intervalMs;
    try {
      // A switch that is due now is made first; this beat is the one it asks for.
      this.apply(advance(this.failover, performance.now()));
      this.beatNow = false;
      if (quietUntil(this.failover, performance.now()) === null) delay = await this.heartbeatOnce();
    } finally {
      this.heartbeatInFlight = false;
      if (this.beatNow) delay = 0;
      this.beatNow = false;
      // Leaving (decided by this beat or meanwhile) or just started: silent until the switch or the first
      // heartbeat is due, then at once.
      const wake = this.quietWake();
      if (wake !== null) delay = wake;
      if (!this.stopping) this.heartbeatTimer = this.host.wheel.schedule(Math.max(0, delay), () => void this.heartbeat());
    }
  }

  // Ms until the heartbeat loop has something to do while quiet (a pending switch, the start's hold);
  // null when not quiet.
  private quietWake(): number | null {
    const now = performance.now();
    const until = switchDueAt(this.failover) ?? quietUntil(this.failover, now);
    return until === null ? null : Math.max(0, until - now);
  }

  // One heartbeat to the console in use; returns the delay until the next one.
  private async heartbeatOnce(): Promise<number> {
    // Latency as the sensor sees it: waiting for a connection included.
    const started = performance.now();
    let ackedBefore = 0;
    const wanted = due(this.failover, performance.now()).heartbeat;
    if (wanted === null) return this.intervalMs; // the caller sleeps until the switch is due
    const to = this.endpoint(wanted);
    // Paired, an answer later than HEARTBEAT_TIMEOUT_MS (waiting for a connection included) is a miss: the
    // other console may be serving. Alone there is nowhere else to go: a slow console is still the console.
    const timeoutMs = this.failover.peerKnown ? HEARTBEAT_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    const sent = await this.host.gate(to.fingerprint).runWithin(timeoutMs, async (waitedMs) => {
      // Built when it can go out, so the clock it carries is not stale after a wait for a connection, and
      // not at all when the sensor has switched or decided to leave meanwhile (the switch asks for a beat).
      if (due(this.failover, performance.now()).heartbeat !== wanted) return null;
      // A response can overtake a batch acknowledged meanwhile; only an ackedSeq below this is news.
      ackedBefore = this.ackedSeq;
      const stamp = stampFor(this.failover, to.ref);
      const beat: HeartbeatRequest = { ...this.beatBody(), ...(stamp ? { stamp } : {}) };
      return this.call(to, '/api/v1/sensors/heartbeat', JSON.stringify(beat), Math.max(1, timeoutMs - waitedMs));
    });
    const outcome = sent.started ? sent.value : noConnection(to, timeoutMs);
    if (outcome === null) return this.intervalMs;
    let delay: number;
    const response = outcome.ok ? heartbeatResponse.safeParse(outcome.reply.json) : null;
    if (response?.success) {
      this.host.stats.heartbeatsOk++;
      this.host.stats.heartbeatLatency.record(performance.now() - started);
      this.heartbeatFailures = 0;
      if (response.data.active !== undefined) this.legacy[to.ref] = false;
      this.apply(onHeartbeatResult(this.failover, to.ref, { ok: true, answer: answerOf(response.data) }, performance.now()));
      if (this.failover.using === to.ref) this.setState('connected');
      await this.afterHeartbeat(response.data, ackedBefore, to.ref);
      // Fixed rate: the next beat is due one interval after this one started.
      delay = Math.max(0, this.intervalMs - (performance.now() - started));
    } else {
      this.host.stats.heartbeatsFailed++;
      this.heartbeatFailures++;
      const problem = outcome.ok
        ? { code: 'BAD_RESPONSE', message: `the console's heartbeat response is not protocol v${PROTOCOL_VERSION}`, retryAfterMs: null }
        : outcome;
      this.noteProblem(problem.code, problem.message);
      const paired = this.failover.peerKnown;
      this.apply(onHeartbeatResult(this.failover, to.ref, resultOf(outcome), performance.now()));
      if (this.heartbeatFailures >= DEFAULT_BACKOFF.toleratedFailures) this.setState('disconnected', problem.message, to);
      const backoff = Math.max(
        problem.retryAfterMs ?? 0,
        nextDelay({ intervalMs: this.intervalMs, ...DEFAULT_BACKOFF }, this.heartbeatFailures, this.random.next),
      );
      // Paired, the misses must come at the heartbeat rate (a timeout eats into the interval): 3 of them
      // are what moves the sensor to the other console. Alone, the backoff is as it always was.
      delay = paired ? Math.max(0, backoff - (performance.now() - started)) : backoff;
    }
    return delay;
  }

  // The fields every heartbeat and probe carries.
  private beatBody(): HeartbeatRequest {
    const now = Date.now();
    return {
      protocol: PROTOCOL_VERSION,
      version: AGENT_VERSION,
      clock: now,
      highestTerm: this.sentTerm,
      counters: {
        packets: this.traffic.packets(now - this.startedAt),
        alerts: this.alerts,
        devices: this.traffic.devices().length,
        outbox: this.outbox!.pending,
      },
    };
  }

  private async afterHeartbeat(response: HeartbeatResponse, ackedBefore: number, from: ConsoleRef): Promise<void> {
    if (this.config.heartbeatFromConsole) this.intervalMs = response.heartbeatIntervalMs;
    const outbox = this.outbox!;
    // Home names the peer (the peer names home, which the connection string already gives).
    if (from === 'home' && JSON.stringify(response.peers) !== JSON.stringify(this.peers)) {
      this.peers = response.peers;
      await savePeers(this.dir, response.peers).catch((error: unknown) =>
        this.report('warn', 'state-write', `could not save the paired console's address: ${String(error)}`),
      );
      if (response.peers.length)
        this.report(
          'info',
          'peer',
          `the console is paired with ${response.peers.map((p) => `${p.address}:${p.port} (${p.fingerprint})`).join(', ')}`,
        );
      this.apply(setPeerKnown(this.failover, response.peers.length > 0, performance.now()));
    }
    // The outbox follows the console in use only: the other one's view is not where events go.
    if (from !== this.failover.using) return;
    if (response.ackedSeq >= this.ackedSeq) {
      // A batch whose answer was lost: the console has it, no need to send it again. Or the peer has
      // caught up: what it holds too may leave the outbox.
      await this.consoleHas(response.ackedSeq, response.durableSeq, { authoritative: false, count: true });
    } else if (response.ackedSeq < ackedBefore && this.resendFrom === null) {
      this.report(
        'warn',
        'console-behind',
        `the console stores events only up to seq ${response.ackedSeq}, but acknowledged up to ${this.ackedSeq} earlier`,
      );
    }
    if (outbox.pending > 0 && this.sendFailures > 0 && !this.sending) this.kickSender(0);
  }

  // ---- Failover -----------------------------------------------------------------------------------

  // Performs what the failover module decided: the term on disk first, then the switches.
  private apply(step: Step): void {
    this.failover = step.state;
    for (const action of step.actions) {
      if (action.type === 'persist-term') this.persistTerm(action.term);
      else if (action.type === 'heartbeat-now') this.heartbeatSoon();
    }
    for (const decision of step.decisions) {
      if (decision.type === 'leave') {
        const wait = decision.at - performance.now();
        if (wait > 0) {
          const to = this.endpoint(decision.to);
          this.report(
            'info',
            'leaving',
            `switching to ${to.host}:${to.port} in ${(wait / 1000).toFixed(1)} s (${SWITCH_REASONS[decision.reason]}); nothing is sent until then`,
          );
          this.wakeHeartbeatIn(wait);
        }
        continue;
      }
      if (decision.type !== 'switch') continue;
      this.switchCount++;
      this.host.stats.switches++;
      const to = this.endpoint(decision.to);
      this.report('info', 'switched', `switched to ${to.host}:${to.port} (${SWITCH_REASONS[decision.reason]})`);
      this.host.onSwitch?.(this.config.name, decision.from, decision.to);
      if (this.outbox) this.uploadTo();
    }
    this.scheduleProbe();
  }

  // Events go to the console now in use. All it is known to hold is what the outbox released (the console
  // left said its peer has it too); the rest is sent again from there (replays are skipped as duplicates,
  // and a console further behind says where it is with a 409 SEQ_GAP). At once, not after the backoff
  // earned on the console left.
  private uploadTo(): void {
    this.consoleAcked = this.outbox!.ackedSeq;
    this.resendFrom = null;
    this.sendFailures = 0;
    if (this.sendTimer) {
      this.sendTimer.cancel();
      this.sendTimer = null;
    }
    if (this.identity && this.outbox!.lastSeq > this.outbox!.ackedSeq) this.kickSender(0);
  }

  // Terms are written in order, each one fsynced and renamed into place before requests carry it.
  private persistTerm(term: number): void {
    this.termWrites = this.termWrites.then(async () => {
      if (term <= this.sentTerm) return;
      try {
        await saveHighestTerm(this.dir, term);
        this.sentTerm = term;
      } catch (error) {
        this.report('warn', 'state-write', `could not save the HA term ${term} (still sending ${this.sentTerm}): ${String(error)}`);
      }
    });
  }

  // The heartbeat loop, asleep until its interval, wakes when the pending switch is due instead (while a
  // heartbeat is in flight, the loop computes that itself when it ends).
  private wakeHeartbeatIn(ms: number): void {
    if (this.stopping || !this.identity || this.heartbeatInFlight) return;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.host.wheel.schedule(Math.max(0, ms), () => void this.heartbeat());
  }

  private heartbeatSoon(): void {
    if (this.stopping || !this.identity) return;
    if (this.heartbeatInFlight) {
      this.beatNow = true;
      return;
    }
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.host.wheel.schedule(0, () => void this.heartbeat());
  }

  private scheduleProbe(): void {
    this.probeTimer?.cancel();
    this.probeTimer = null;
    const at = this.failover.nextProbeAt;
    if (this.stopping || !this.identity || at === null || this.failover.probing) return;
    // Not while leaving (the switch schedules the probes again) nor before the first heartbeat.
    if (this.failover.using === this.failover.preferred || this.failover.leaving) return;
    const from = Math.max(at, quietUntil(this.failover, performance.now()) ?? 0);
    this.probeTimer = this.host.wheel.schedule(Math.max(0, from - performance.now()), () => {
      this.probeTimer = null;
      void this.probe();
    });
  }

  // A reachability probe of the preferred console: not a vote, no stamp.
  private async probe(): Promise<void> {
    if (this.stopping) return;
    const target = due(this.failover, performance.now()).probe;
    if (target === null) return this.scheduleProbe();
    this.failover = probeSent(this.failover, performance.now());
    const to = this.endpoint(target);
    const sent = await this.host.gate(to.fingerprint).runWithin(HEARTBEAT_TIMEOUT_MS, (waitedMs) => {
      const body = { ...this.beatBody(), ...(this.legacy[target] ? {} : { probe: true }) };
      return this.call(to, '/api/v1/sensors/heartbeat', JSON.stringify(body), Math.max(1, HEARTBEAT_TIMEOUT_MS - waitedMs));
    });
    const outcome = sent.started ? sent.value : noConnection(to, HEARTBEAT_TIMEOUT_MS);
    const response = outcome.ok ? heartbeatResponse.safeParse(outcome.reply.json) : null;
    let result: RequestResult;
    if (response?.success) {
      if (response.data.active !== undefined) this.legacy[target] = false;
      result = { ok: true, answer: answerOf(response.data) };
      this.host.stats.probesOk++;
    } else {
      // A console from before probes refuses the unknown field (strict schema): it counts no votes.
      if (!outcome.ok && outcome.status === 400 && outcome.code === 'INVALID_INPUT' && /probe/.test(outcome.message))
        this.legacy[target] = true;
      result = resultOf(outcome);
      this.host.stats.probesFailed++;
    }
    if (this.stopping) return;
    this.apply(onProbeResult(this.failover, target, result, performance.now()));
  }

  // Where a console is and the certificate to pin there: home from the connection string and the
  // identity, the peer as home's answers name it (peers.json).
  private endpoint(ref: ConsoleRef): ConsoleEndpoint {
    const peer = this.peers[0];
    if (ref === 'peer' && peer) return { ref, host: peer.address, port: peer.port, fingerprint: peer.fingerprint };
    return { ref: 'home', host: this.host.target.host, port: this.host.target.port, fingerprint: this.identity?.consoleFingerprint ?? '' };
  }

  // ---- Simulated traffic --------------------------------------------------------------------------

  private scheduleProduce(extraMs = 0): void {
    if (this.stopping || this.config.eventsPerMinute <= 0) return;
    const delay = extraMs + this.random.exponential(60_000 / this.config.eventsPerMinute);
    this.produceTimer = this.host.wheel.schedule(delay, () => void this.produce());
  }

  private async produce(): Promise<void> {
    if (this.stopping) return;
    try {
      const event = await this.outbox!.append(this.traffic.next(Date.now()));
      this.host.stats.eventsProduced++;
      if (event.kind === 'alert') this.alerts++;
      this.kickSender(SEND_LINGER_MS);
    } catch (error) {
      this.report(
        'error',
        'outbox-write',
        `could not store an event in the outbox (${error instanceof Error ? error.message : String(error)}); the event was not produced`,
      );
    } finally {
      this.scheduleProduce();
    }
  }

  // ---- Upload -------------------------------------------------------------------------------------

  private kickSender(delayMs: number): void {
    if (this.stopping || this.sendTimer || this.sending || !this.identity) return;
    this.sendTimer = this.host.wheel.schedule(delayMs, () => {
      this.sendTimer = null;
      this.sending = this.sendLoop().finally(() => (this.sending = null));
    });
  }

  private async sendLoop(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      const from = this.resendFrom ?? this.ackedSeq + 1;
      if (from > this.outbox!.lastSeq) return;
      const progressed = await this.sendOnce(REQUEST_TIMEOUT_MS);
      if (!progressed) {
        this.sendFailures++;
        const delay = nextDelay({ intervalMs: 500, ...DEFAULT_BACKOFF, toleratedFailures: 0 }, this.sendFailures, this.random.next);
        if (!this.stopping) {
          this.sendTimer = this.host.wheel.schedule(delay, () => {
            this.sendTimer = null;
            this.sending = this.sendLoop().finally(() => (this.sending = null));
          });
        }
        return;
      }
      this.sendFailures = 0;
    }
  }

  // One batch from the resend point (or ackedSeq + 1). Returns whether the console took it.
  private async sendOnce(timeoutMs: number): Promise<boolean> {
    const outbox = this.outbox!;
    // The batch is read once a connection is free: whatever was produced while waiting goes up with it, so
    // batches grow when the console is slow (fewer, larger transactions) instead of queueing up.
    const to = this.endpoint(this.failover.using);
    const attempt = await this.host.gate(to.fingerprint).run(async () => {
      // Switched while waiting for a connection: nothing sent, the loop goes on to the console now in use.
      if (this.failover.using !== to.ref) return null;
      const from = this.resendFrom ?? this.ackedSeq + 1;
      if (from > outbox.lastSeq) return null;
      let lines;
      try {
        lines = (await outbox.read(from, MAX_EVENTS_PER_BATCH)).lines;
      } catch (error) {
        if (!(error instanceof OutboxGapError)) throw error;
        return { kind: 'gap' as const, error };
      }
      let body = `{"protocol":${PROTOCOL_VERSION},"events":[${lines.join(',')}]}`;
      // Events are at most a few KiB; a full batch stays far below the limit, but never send one above it.
      while (Buffer.byteLength(body) > MAX_BODY_BYTES && lines.length > 1) {
        lines = lines.slice(0, Math.ceil(lines.length / 2));
        body = `{"protocol":${PROTOCOL_VERSION},"events":[${lines.join(',')}]}`;
      }
      return {
        kind: 'sent' as const,
        from,
        outcome: await this.call(to, '/api/v1/sensors/events', body, timeoutMs),
      };
    }, 'upload');
    if (!attempt) return true;
    if (attempt.kind === 'gap') {
      this.noteProblem(
        'OUTBOX_GAP',
        `cannot resend: ${attempt.error.message}. The console lost events it had acknowledged; they cannot be recovered from this sensor.`,
        'error',
      );
      return false;
    }
    const { from, outcome } = attempt;
    if (outcome.ok) {
      const parsed = eventsResponse.safeParse(outcome.reply.json);
      if (!parsed.success) {
        this.noteProblem('BAD_RESPONSE', `the console's events response is not protocol v${PROTOCOL_VERSION}`);
        return false;
      }
      const acked = parsed.data.ackedSeq;
      this.host.stats.batches++;
      await this.consoleHas(acked, parsed.data.durableSeq, { authoritative: true, count: true });
      // Still catching up a console that lost acknowledged events: continue from what it has.
      this.resendFrom = acked < outbox.ackedSeq ? acked + 1 : null;
      return acked >= from;
    }
    if (outcome.code === 'SEQ_GAP' && outcome.expectedSeq !== undefined && outcome.expectedSeq >= 1) {
      // 409: the console stores 1..expectedSeq-1 and wants the next one.
      const consoleAcked = outcome.expectedSeq - 1;
      this.report(
        'warn',
        'seq-gap',
        `the console expects seq ${outcome.expectedSeq} next (this sensor sent from ${from}); resending from there`,
      );
      if (consoleAcked >= outbox.ackedSeq) {
        // Stored there, but not said to be durable: nothing more leaves the outbox.
        await this.consoleHas(consoleAcked, outbox.ackedSeq, { authoritative: true, count: true });
        this.resendFrom = null;
      } else {
        this.resendFrom = outcome.expectedSeq;
      }
      // Progress only if the resend point moved; a console that keeps asking for the same seq gets backoff.
      return (this.resendFrom ?? this.ackedSeq + 1) !== from;
    }
    this.noteProblem(outcome.code, outcome.message);
    return false;
  }

  // The console stores events up to `acked` and they may leave the outbox up to `durable` (absent: acked).
  // An authoritative answer (to a batch, or a registration) may move the send point back: a console that
  // lost events it had stored gets them again, from the outbox when it still holds them.
  private async consoleHas(acked: number, durable: number | undefined, how: { authoritative: boolean; count: boolean }): Promise<void> {
    const outbox = this.outbox!;
    const before = this.ackedSeq;
    // Each seq counts once, however often it is acknowledged (again by the other console after a switch).
    const counted = Math.max(before, this.ackedCounted);
    if (how.count && acked > counted) this.host.stats.eventsAcked += Math.max(0, Math.min(acked, outbox.lastSeq) - counted);
    this.ackedCounted = Math.max(this.ackedCounted, Math.min(acked, outbox.lastSeq));
    this.consoleAcked = how.authoritative ? acked : Math.max(this.consoleAcked, acked);
    const releasable = Math.min(durable ?? acked, acked);
    if (releasable > outbox.ackedSeq) await outbox.ack(releasable);
  }

  // ---- Plumbing -----------------------------------------------------------------------------------

  private authorization(): string {
    return `Sensor ${this.identity!.sensorId}:${this.identity!.credential}`;
  }

  // A request to one console, on a connection pinned to that console's certificate.
  private async call(to: ConsoleEndpoint, urlPath: string, body: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Outcome> {
    let reply: Reply;
    try {
      reply = await postJson({
        agent: this.host.pinnedAgent(to.fingerprint, this.config.name),
        host: to.host,
        port: to.port,
        path: urlPath,
        authorization: this.authorization(),
        body,
        timeoutMs,
      });
    } catch (error) {
      if (error instanceof ConsoleUnreachableError)
        return { ok: false, status: null, code: error.code, message: error.message, retryAfterMs: null };
      throw error;
    }
    if (reply.status === 200) return { ok: true, reply };
    const { code, message } = consoleError(reply);
    const expectedSeq = (reply.json as { expectedSeq?: unknown } | null)?.expectedSeq;
    return {
      ok: false,
      status: reply.status,
      code,
      message: `${message} (HTTP ${reply.status} ${code})`,
      retryAfterMs: reply.retryAfterMs,
      ...(typeof expectedSeq === 'number' ? { expectedSeq } : {}),
    };
  }

  private setState(to: ConnectionState, reason?: string, at?: ConsoleEndpoint): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    const where = at ? `${at.host}:${at.port}` : this.currentConsole;
    if (to === 'connected') {
      const after = from === 'disconnected' ? ` after ${((Date.now() - this.disconnectedAt) / 1000).toFixed(1)} s` : '';
      this.report('info', 'connected', `connected to the console at ${where}${after}`);
      this.lastProblem = '';
    } else if (to === 'disconnected') {
      this.disconnectedAt = Date.now();
      this.report(
        'warn',
        'disconnected',
        `disconnected from the console at ${where}: ${reason ?? 'no answer'}; ${
          this.failover.peerKnown ? 'trying both consoles of the pair' : `retrying with backoff (up to ${DEFAULT_BACKOFF.capMs / 1000} s)`
        }`,
      );
    }
    this.host.onStateChange(this.config.name, from, to);
  }

  // A failure is logged when it is new, not on every retry.
  private noteProblem(
    code: string,
    message: string,
    level: Level = code === 'PIN_MISMATCH' || code === 'OUTBOX_GAP' || code === 'UNKNOWN_SENSOR' || code === 'WRONG_CREDENTIAL'
      ? 'error'
      : 'warn',
  ): void {
    if (this.lastProblem === code) return;
    this.lastProblem = code;
    // Transient trouble is reported by the state change after three failures; these need a person.
    if (level === 'error') this.report('error', code, message);
  }

  private report(level: Level, code: string, message: string): void {
    this.host.report(this.config.name, level, code, message);
  }
}

// What the failover module needs from a heartbeat answer.
function answerOf(response: HeartbeatResponse): ConsoleAnswer {
  return {
    role: response.role,
    state: response.state,
    term: response.term,
    ...(response.stamp !== undefined ? { stamp: response.stamp } : {}),
    ...(response.active !== undefined ? { active: response.active } : {}),
    peerRole: response.peers[0]?.role ?? null,
  };
}

// No answer, a 5xx or an answer that is not the protocol: the console is not serving (a failure that
// counts toward failover). A 4xx: it is there and refused this request.
function resultOf(outcome: Outcome): RequestResult {
  if (outcome.ok || outcome.status === null || outcome.status >= 500) return { ok: false, kind: 'failed' };
  return { ok: false, kind: 'refused' };
}
