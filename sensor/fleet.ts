import type tls from 'node:tls';
import { sensorNames, type AgentOptions } from './args.ts';
import { Gate, PinnedAgent, pinnedContext, registrationAgent } from './client.ts';
import { Histogram } from './histogram.ts';
import { SimulatedSensor, type ConnectionState, type FleetStats, type Level, type SensorHost } from './sensor.ts';
import { TimerWheel } from './timer-wheel.ts';

// Runs --count simulated sensors in this process: one timer wheel; per console one connection budget and one
// TLS context shared by all, and a pinned keep-alive agent per sensor (each sensor has its own connections
// and sets up one at a time, as separate devices would); starts spread out so the console is not hit by all
// of them at once.
// With more than a handful of sensors, per-sensor chatter is folded into a periodic summary line.

const VERBOSE_UP_TO = 10;
const SUMMARY_MS = 5000;
const START_CONCURRENCY = 32;
// Connections one sensor may hold to one console: a heartbeat or probe, an upload, and ones still waiting
// for a late answer (sensor/client.ts, LATE_ANSWER_MS). The fleet's --max-sockets bounds the requests in
// flight across all sensors (the gate).
const SOCKETS_PER_SENSOR = 4;

export type Output = { stdout: (line: string) => void; stderr: (line: string) => void };

export class Fleet {
  readonly sensors: SimulatedSensor[];
  readonly stats: FleetStats = {
    heartbeatsOk: 0,
    heartbeatsFailed: 0,
    heartbeatLatency: new Histogram(),
    eventsProduced: 0,
    eventsAcked: 0,
    batches: 0,
    registered: 0,
    switches: 0,
    probesOk: 0,
    probesFailed: 0,
  };
  private readonly wheel = new TimerWheel(10, 1024, undefined, (error) => this.log('error', 'fleet', `internal error: ${String(error)}`));
  // By console fingerprint, then by sensor name.
  private readonly agents = new Map<string, { context: tls.SecureContext; bySensor: Map<string, PinnedAgent> }>();
  private readonly gates = new Map<string, Gate>();
  private readonly registration = registrationAgent(8);
  private connected = 0;
  private problems = new Map<string, { level: Level; count: number }>();
  private timers: NodeJS.Timeout[] = [];
  private last = { ok: 0, failed: 0, produced: 0, acked: 0, batches: 0, switches: 0 };
  private started = 0;

  constructor(
    private readonly options: AgentOptions,
    private readonly out: Output,
  ) {
    const host: SensorHost = {
      target: options.target,
      wheel: this.wheel,
      gate: (fingerprint) => {
        let gate = this.gates.get(fingerprint);
        if (!gate) this.gates.set(fingerprint, (gate = new Gate(options.maxSockets)));
        return gate;
      },
      registrationGate: new Gate(8),
      registrationAgent: this.registration,
      pinnedAgent: (fingerprint, sensor) => {
        let pool = this.agents.get(fingerprint);
        if (!pool) this.agents.set(fingerprint, (pool = { context: pinnedContext(), bySensor: new Map() }));
        let agent = pool.bySensor.get(sensor);
        if (!agent) {
          const sockets = Math.min(SOCKETS_PER_SENSOR, options.maxSockets);
          agent = new PinnedAgent(fingerprint, sockets, {}, { maxConnecting: 1, context: pool.context });
          pool.bySensor.set(sensor, agent);
        }
        return agent;
      },
      stats: this.stats,
      report: (sensor, level, code, message) => this.report(sensor, level, code, message),
      onStateChange: (_sensor, from, to) => this.stateChanged(from, to),
    };
    this.sensors = sensorNames(options.name, options.count).map(
      (name) =>
        new SimulatedSensor(
          {
            name,
            dataDir: options.dataDir,
            heartbeatMs: options.heartbeatMs,
            heartbeatFromConsole: options.heartbeatFromConsole,
            eventsPerMinute: options.eventsPerMinute,
            zone: options.zone,
            seed: options.seed,
            keepAcked: options.keepAcked,
            // Many sensors: keep little in memory each; the disk has the rest.
            cacheMax: options.count > 1000 ? 50 : 500,
          },
          host,
        ),
    );
  }

  get size(): number {
    return this.sensors.length;
  }

  // Starts every sensor; rejects with the first sensor that cannot start (wrong token, damaged outbox, …).
  async start(): Promise<void> {
    this.wheel.start();
    if (this.options.statsMs > 0) this.timers.push(setInterval(() => this.printStats('stats'), this.options.statsMs));
    if (this.size > VERBOSE_UP_TO) this.timers.push(setInterval(() => this.printSummary(), SUMMARY_MS));
    const gate = new Gate(START_CONCURRENCY);
    const interval = this.options.heartbeatMs;
    let failure: unknown = null;
    await Promise.all(
      this.sensors.map((sensor, i) =>
        gate.run(async () => {
          if (failure) return;
          try {
            // Heartbeats spread evenly over the interval.
            await sensor.start(Math.floor((i / this.size) * interval), this.options.registerOnly);
            this.started++;
          } catch (error) {
            failure ??= error;
          }
        }),
      ),
    );
    this.registration.destroy();
    if (failure) throw failure;
    if (this.options.registerOnly)
      this.log('info', 'fleet', `${this.size} sensors have an identity (${this.stats.registered} registered now)`);
    else
      this.log(
        'info',
        'fleet',
        this.size === 1
          ? `sensor ${this.sensors[0]!.config.name} running`
          : `${this.size} sensors running (${this.stats.registered} registered now)`,
      );
    if (this.options.statsMs > 0) this.printStats('ready');
  }

  async stop(flushMs: number): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.sensors.map((s) => s.stop(flushMs).catch(() => undefined)));
    this.wheel.stop();
    if (this.options.statsMs > 0) this.printStats('stopped');
    for (const pool of this.agents.values()) for (const agent of pool.bySensor.values()) agent.destroy();
    this.registration.destroy();
    const pending = this.sensors.reduce((n, s) => n + s.pending, 0);
    if (pending > 0)
      this.log('warn', 'fleet', `stopped with ${pending} events not yet acknowledged; they stay in the outbox and go up at the next start`);
    else this.log('info', 'fleet', 'stopped; every produced event is acknowledged');
  }

  private stateChanged(from: ConnectionState, to: ConnectionState): void {
    if (from === 'connected') this.connected--;
    if (to === 'connected') this.connected++;
  }

  private report(sensor: string, level: Level, code: string, message: string): void {
    if (this.size <= VERBOSE_UP_TO) return this.log(level, sensor, message);
    if (level === 'info') return;
    const seen = this.problems.get(code);
    if (seen) {
      seen.count++;
      return;
    }
    this.problems.set(code, { level, count: 1 });
    this.log(level, sensor, `${message} (other sensors with this problem are counted in the next summary)`);
  }

  private printSummary(): void {
    const pending = this.sensors.reduce((n, s) => n + s.pending, 0);
    const problems = [...this.problems].filter(([, p]) => p.count > 1).map(([code, p]) => `${code} ×${p.count}`);
    this.problems = new Map([...this.problems].map(([code, p]) => [code, { ...p, count: 1 }]));
    // Per-sensor "switched to" lines are folded like other info lines: the summary says where they are.
    const consoles = Object.entries(this.consolesInUse());
    const failover =
      this.stats.switches > 0 || consoles.length > 1
        ? `; on ${consoles.map(([at, n]) => `${at} ×${n}`).join(', ')}, ${this.stats.switches} switches of console`
        : '';
    this.log(
      problems.length ? 'warn' : 'info',
      'fleet',
      `${this.connected} of ${this.size} sensors connected (${this.started} started); events produced ${this.stats.eventsProduced}, acknowledged ${this.stats.eventsAcked}, waiting ${pending}${failover}${problems.length ? `; since last summary: ${problems.join(', ')}` : ''}`,
    );
  }

  // One JSON line on stdout with the counts since the previous line (the benchmark reads these).
  private printStats(type: 'ready' | 'stats' | 'stopped'): void {
    const s = this.stats;
    const line = {
      type,
      at: Date.now(),
      sensors: this.size,
      started: this.started,
      connected: this.connected,
      registered: s.registered,
      heartbeats: { ok: s.heartbeatsOk - this.last.ok, failed: s.heartbeatsFailed - this.last.failed },
      latencyMs: s.heartbeatLatency.toJSON(),
      events: {
        produced: s.eventsProduced - this.last.produced,
        acked: s.eventsAcked - this.last.acked,
        pending: this.sensors.reduce((n, x) => n + x.pending, 0),
      },
      batches: s.batches - this.last.batches,
      // Failover: switches of console since the previous line (and in all), probes since the start, and
      // how many sensors use each console now (`host:port`).
      failover: {
        switches: s.switches - this.last.switches,
        switchesTotal: s.switches,
        probes: { ok: s.probesOk, failed: s.probesFailed },
        consoles: this.consolesInUse(),
      },
    };
    this.last = {
      ok: s.heartbeatsOk,
      failed: s.heartbeatsFailed,
      produced: s.eventsProduced,
      acked: s.eventsAcked,
      batches: s.batches,
      switches: s.switches,
    };
    s.heartbeatLatency.reset();
    this.out.stdout(JSON.stringify(line));
  }

  // Sensors per console in use, by `host:port`.
  consolesInUse(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const sensor of this.sensors) counts[sensor.currentConsole] = (counts[sensor.currentConsole] ?? 0) + 1;
    return counts;
  }

  log(level: Level, who: string, message: string): void {
    this.out.stderr(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ot-sensor[${who}] ${message}`);
  }
}
