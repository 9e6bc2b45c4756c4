import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { formatConnectionString } from '../lib/appliance/connection-string.ts';
import { getApplianceOrThrow } from '../lib/appliance/data.ts';
import { disconnectDb } from '../lib/db/client.ts';
import { openDatabase } from '../lib/db/open.ts';
import { MAX_EVENTS_PER_BATCH } from '../lib/sensors/protocol.ts';
import { Histogram, type HistogramData } from '../sensor/histogram.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../tests/support/console.ts';

// `npm run bench -- ingest`: sensor ingest at scale. A real console (server.ts, embedded PostgreSQL) on a
// loopback address of its own, and real sensor agents (sensor/cli.ts --count, in one or two child
// processes) at 1,000, 5,000 and 10,000 sensors with the default 1 s heartbeat and 6 events a minute
// each; then a burst (many events per sensor) to find the ingest ceiling. In the same run, the raw
// PostgreSQL multi-row INSERT rate for the same event rows into a scratch table of the console's own
// database is the baseline. Prints one JSON object on stdout; progress goes to stderr. Measurements,
// never pass/fail. Every wait is bounded and everything started is stopped at the end.
//
//   node --import tsx bench/ingest.ts [--sensors 1000,5000,10000] [--warmup 10] [--measure 30]
//                                    [--burst-sensors 500] [--burst-events-per-minute 1200]

const HOST = '127.0.0.44';
const SENSORS_PER_PROCESS = 5000;
const READY_TIMEOUT_MS = 15 * 60_000;
const BASELINE_ROWS = 50_000;

const log = (message: string) => process.stderr.write(`bench ingest: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type StatsLine = {
  type: 'ready' | 'stats' | 'stopped';
  at: number;
  sensors: number;
  started: number;
  connected: number;
  registered: number;
  heartbeats: { ok: number; failed: number };
  latencyMs: HistogramData;
  events: { produced: number; acked: number; pending: number };
  batches: number;
};

type AgentProcess = { child: ChildProcess; lines: StatsLine[]; stderrTail: string[]; exited: Promise<number | null> };

const processesFor = (sensors: number) => (sensors > SENSORS_PER_PROCESS ? 2 : 1);
const prefixes = ['bench-a', 'bench-b'];

// Registers every sensor the phases will run (`ot-sensor --register-only`) before anything is measured, so
// that no phase starts with thousands of registrations competing with the heartbeats of the others.
async function registerAll(connect: string, dataDir: string, phases: Phase[]) {
  const counts = new Map<string, number>();
  for (const p of phases) {
    const n = processesFor(p.sensors);
    for (let i = 0; i < n; i++) counts.set(prefixes[i]!, Math.max(counts.get(prefixes[i]!) ?? 0, Math.ceil(p.sensors / n)));
  }
  const started = performance.now();
  let total = 0;
  for (const [prefix, count] of counts) {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'sensor/cli.ts',
        '--connect',
        connect,
        '--name',
        prefix,
        '--count',
        String(count),
        '--data-dir',
        dataDir,
        '--register-only',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const tail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 10) tail.shift();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`registering ${count} sensors ${prefix}-* failed (exit ${code}):\n${tail.join('\n')}`);
    total += count;
  }
  const seconds = (performance.now() - started) / 1000;
  return { sensors: total, seconds: round(seconds), perSec: round(total / seconds) };
}

function startAgents(
  connect: string,
  dataDir: string,
  prefix: string,
  count: number,
  eventsPerMinute: number,
  maxSockets?: number,
): AgentProcess {
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'sensor/cli.ts', '--connect', connect, '--name', prefix, '--count', String(count), '--data-dir', dataDir],
      ...[
        '--events-per-minute',
        String(eventsPerMinute),
        '--stats-ms',
        '1000',
        ...(maxSockets ? ['--max-sockets', String(maxSockets)] : []),
      ],
    ],
    // fsyncs run on libuv's thread pool: give the outboxes of thousands of sensors more than 4 threads.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '16' } },
  );
  const agent: AgentProcess = {
    child,
    lines: [],
    stderrTail: [],
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      agent.lines.push(JSON.parse(line) as StatsLine);
    } catch {
      // not a stats line
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    agent.stderrTail.push(line);
    if (agent.stderrTail.length > 20) agent.stderrTail.shift();
    if (/ERROR|WARN/.test(line)) log(`agent ${prefix}: ${line}`);
  });
  return agent;
}

async function stopAgents(agents: AgentProcess[]): Promise<void> {
  for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
  const deadline = sleep(30_000).then(() => 'timeout' as const);
  for (const a of agents) {
    if ((await Promise.race([a.exited, deadline])) === 'timeout') a.child.kill('SIGKILL');
  }
  await Promise.all(agents.map((a) => a.exited));
}

// Resident memory of one process (VmRSS), and the proportional share (Pss) of a set of processes, so that
// PostgreSQL's shared buffers are not counted once per backend.
function rssMiB(pid: number): number | null {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? round(kb / 1024) : null;
  } catch {
    return null;
  }
}

function postgresPssMiB(dataDir: string): number | null {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '';
  const postmaster = ps.split('\n').find((l) => l.includes('postgres') && l.includes(path.join(dataDir, 'pg')));
  if (!postmaster) return null;
  const root = Number(postmaster.trim().split(/\s+/)[0]);
  const pids = [
    root,
    ...readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map(Number)
      .filter((pid) => {
        try {
          return Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) === root;
        } catch {
          return false;
        }
      }),
  ];
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return round(kb / 1024);
}

async function waitUntilReady(agents: AgentProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reported = Date.now();
  while (!agents.every((a) => a.lines.some((l) => l.type === 'ready'))) {
    for (const a of agents) {
      if (a.child.exitCode !== null)
        throw new Error(`an agent process exited with ${a.child.exitCode} before all its sensors started:\n${a.stderrTail.join('\n')}`);
    }
    if (Date.now() > deadline) throw new Error(`sensors did not all start within ${timeoutMs / 1000} s`);
    const started = agents.reduce((n, a) => n + (a.lines.at(-1)?.started ?? 0), 0);
    if (Date.now() - reported > 10_000) {
      log(`  ${started} sensors started…`);
      reported = Date.now();
    }
    await sleep(250);
  }
}

type Window = { from: number; to: number };

function summarize(agents: AgentProcess[], window: Window) {
  const latency = new Histogram();
  let ok = 0;
  let failed = 0;
  let produced = 0;
  let acked = 0;
  let batches = 0;
  let seconds = 0;
  for (const a of agents) {
    const lines = a.lines.filter((l) => l.type === 'stats' || l.type === 'ready');
    const inWindow = lines.filter((l) => l.at > window.from && l.at <= window.to);
    const before = lines.filter((l) => l.at <= window.from).at(-1);
    if (inWindow.length && before) seconds = Math.max(seconds, (inWindow.at(-1)!.at - before.at) / 1000);
    for (const l of inWindow) {
      ok += l.heartbeats.ok;
      failed += l.heartbeats.failed;
      produced += l.events.produced;
      acked += l.events.acked;
      batches += l.batches;
      latency.merge(l.latencyMs);
    }
  }
  const last = agents.map((a) => a.lines.filter((l) => l.at <= window.to).at(-1));
  return {
    measuredSeconds: round(seconds),
    heartbeatsPerSec: round(ok / seconds),
    heartbeatFailuresPerSec: round(failed / seconds),
    heartbeatLatencyMs: {
      p50: round(latency.quantile(0.5) ?? NaN, 2),
      p99: round(latency.quantile(0.99) ?? NaN, 2),
      samples: latency.total,
    },
    eventsProducedPerSec: round(produced / seconds),
    eventsPerSec: round(acked / seconds),
    eventsPerBatch: batches ? round(acked / batches, 2) : null,
    connectedAtEnd: last.reduce((n, l) => n + (l?.connected ?? 0), 0),
    eventsWaitingAtEnd: last.reduce((n, l) => n + (l?.events.pending ?? 0), 0),
  };
}

// maxSockets: the agents' connection budget (default: scaled with the sensor count).
type Phase = { label: string; sensors: number; eventsPerMinute: number; maxSockets?: number };

async function runPhase(
  phase: Phase,
  ctx: { connect: string; agentsDir: string; running: RunningConsole; dataDir: string; warmupMs: number; measureMs: number },
) {
  const processes = processesFor(phase.sensors);
  log(
    `${phase.label}: ${phase.sensors} sensors in ${processes} agent process${processes > 1 ? 'es' : ''}, ${phase.eventsPerMinute} events/min each`,
  );
  const registrationStarted = Date.now();
  const agents = Array.from({ length: processes }, (_, i) =>
    startAgents(ctx.connect, ctx.agentsDir, prefixes[i]!, Math.ceil(phase.sensors / processes), phase.eventsPerMinute, phase.maxSockets),
  );
  try {
    await waitUntilReady(agents, READY_TIMEOUT_MS);
    const startSeconds = round((Date.now() - registrationStarted) / 1000);
    log(`  all started in ${startSeconds} s; warming up ${ctx.warmupMs / 1000} s, measuring ${ctx.measureMs / 1000} s`);
    await sleep(ctx.warmupMs);
    const from = Date.now();
    let consolePeak = 0;
    const agentPeak = new Map<number, number>();
    while (Date.now() - from < ctx.measureMs) {
      await sleep(1000);
      consolePeak = Math.max(consolePeak, rssMiB(ctx.running.process.pid!) ?? 0);
      for (const a of agents) agentPeak.set(a.child.pid!, Math.max(agentPeak.get(a.child.pid!) ?? 0, rssMiB(a.child.pid!) ?? 0));
    }
    const to = Date.now();
    await sleep(1500); // the stats line covering the window's last second
    const figures = summarize(agents, { from, to });
    const consoleEnd = rssMiB(ctx.running.process.pid!);
    const result = {
      label: phase.label,
      sensors: phase.sensors,
      agentProcesses: processes,
      eventsPerMinutePerSensor: phase.eventsPerMinute,
      offeredHeartbeatsPerSec: phase.sensors,
      offeredEventsPerSec: round((phase.sensors * phase.eventsPerMinute) / 60),
      startSeconds,
      ...figures,
      consoleRssMiB: { end: consoleEnd, peak: Math.max(consolePeak, consoleEnd ?? 0) },
      postgresPssMiB: postgresPssMiB(ctx.dataDir),
      agentRssMiB: [...agentPeak.values()],
    };
    log(
      `  ${result.heartbeatsPerSec} heartbeats/s (p50 ${result.heartbeatLatencyMs.p50} ms, p99 ${result.heartbeatLatencyMs.p99} ms), ${result.eventsPerSec} events/s, console RSS ${result.consoleRssMiB.end} MiB`,
    );
    return result;
  } finally {
    await stopAgents(agents);
  }
}

// The same event rows as the console stored, inserted straight into a scratch copy of its table with
// multi-row INSERT … VALUES batches of the protocol's batch size: what PostgreSQL itself can take.
async function rawInsertBaseline(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_scratch_event');
    await client.query('CREATE TABLE bench_scratch_event (LIKE sensor_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)');
    const { rows } = await client.query<{
      sensor_id: string;
      seq: string;
      kind: string;
      occurred_at: Date;
      severity: string | null;
      title: string | null;
      payload: unknown;
    }>('SELECT sensor_id, seq, kind, occurred_at, severity, title, payload FROM sensor_event ORDER BY received_at DESC LIMIT $1', [
      BASELINE_ROWS,
    ]);
    if (rows.length === 0) return null;
    const batches: unknown[][] = [];
    for (let i = 0; i < rows.length; i += MAX_EVENTS_PER_BATCH) {
      batches.push(
        rows
          .slice(i, i + MAX_EVENTS_PER_BATCH)
          .flatMap((r) => [r.sensor_id, r.seq, r.kind, r.occurred_at, r.severity, r.title, JSON.stringify(r.payload)]),
      );
    }
    const statement = (n: number) =>
      `INSERT INTO bench_scratch_event (sensor_id, seq, kind, occurred_at, severity, title, payload) VALUES ${Array.from({ length: n }, (_, i) => `($${i * 7 + 1}::uuid, $${i * 7 + 2}::bigint, $${i * 7 + 3}, $${i * 7 + 4}::timestamptz, $${i * 7 + 5}, $${i * 7 + 6}, $${i * 7 + 7}::jsonb)`).join(', ')}`;
    // Each batch commits on its own, as each request of the console does.
    const started = performance.now();
    for (const values of batches) await client.query(statement(values.length / 7), values);
    const seconds = (performance.now() - started) / 1000;
    return { rows: rows.length, batchSize: MAX_EVENTS_PER_BATCH, rowsPerSec: round(rows.length / seconds) };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_scratch_event').catch(() => undefined);
    await client.end();
  }
}

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== 'ingest'),
    options: {
      sensors: { type: 'string', default: '1000,5000,10000' },
      warmup: { type: 'string', default: '10' },
      measure: { type: 'string', default: '30' },
      'burst-sensors': { type: 'string', default: '500' },
      'burst-events-per-minute': { type: 'string', default: '1200' },
    },
    strict: true,
  });
  const sensors = values.sensors.split(',').map(Number);
  const warmup = Number(values.warmup);
  const measure = Number(values.measure);
  const burstSensors = Number(values['burst-sensors']);
  const burstRate = Number(values['burst-events-per-minute']);
  const bad =
    sensors.some((n) => !Number.isInteger(n) || n < 1 || n > 2 * SENSORS_PER_PROCESS) ||
    !(warmup >= 0 && warmup <= 600) ||
    !(measure >= 1 && measure <= 600) ||
    !(burstSensors >= 0 && burstSensors <= 10_000) ||
    !(burstRate > 0 && burstRate <= 60_000);
  if (bad)
    throw new Error(
      `usage: bench/ingest.ts [--sensors 1000,5000,10000 (each 1–${2 * SENSORS_PER_PROCESS})] [--warmup 0–600] [--measure 1–600] [--burst-sensors 0–10000] [--burst-events-per-minute]`,
    );
  return { sensors, warmupMs: warmup * 1000, measureMs: measure * 1000, burstSensors, burstRate };
}

export async function benchIngest(): Promise<void> {
  const opts = options();
  if (!existsSync('.next/BUILD_ID')) throw new Error('.next/BUILD_ID is missing: run `npm run build` first');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-ingest-'));
  const agentsDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-agents-'));
  const port = await freePort(HOST);
  log(`starting console on https://${HOST}:${port} (data ${dataDir})`);
  const running = await startConsole(
    {
      OTC_DATA_DIR: dataDir,
      OTC_BIND_ADDRESS: HOST,
      OTC_HTTPS_PORT: String(port),
      DATABASE_URL: '',
      OTC_PUBLIC_ADDRESS: '',
      OTC_LOG_DIR: '',
    },
    { logFile: path.join(dataDir, 'console.out') },
  );
  const interrupt = () => running.process.kill('SIGINT');
  process.on('SIGINT', interrupt);
  try {
    const database = await openDatabase(dataDir, undefined);
    process.env.DATABASE_URL = database.url;
    const connect = formatConnectionString(HOST, port, (await getApplianceOrThrow()).connectionToken);
    await disconnectDb();

    const ctx = { connect, agentsDir, running, dataDir, warmupMs: opts.warmupMs, measureMs: opts.measureMs };
    const plan: Phase[] = opts.sensors.map((n) => ({ label: `steady-${n}`, sensors: n, eventsPerMinute: 6 }));
    const burstPhase: Phase | null =
      opts.burstSensors > 0
        ? { label: `burst-${opts.burstSensors}`, sensors: opts.burstSensors, eventsPerMinute: opts.burstRate, maxSockets: 64 }
        : null;
    log(`registering the sensors (${Math.max(...plan.map((p) => p.sensors), burstPhase?.sensors ?? 0)} at most per phase)`);
    const registration = await registerAll(connect, agentsDir, burstPhase ? [...plan, burstPhase] : plan);
    log(`  ${registration.sensors} registered in ${registration.seconds} s`);
    const phases = [];
    for (const phase of plan) phases.push(await runPhase(phase, ctx));
    const burst = burstPhase ? await runPhase(burstPhase, ctx) : null;

    log('raw PostgreSQL baseline: multi-row INSERT of the stored event rows into a scratch table');
    const baseline = await rawInsertBaseline(database.url);
    const ratio = (eventsPerSec: number) => (baseline ? round(eventsPerSec / baseline.rowsPerSec, 3) : null);
    const result = {
      benchmark: 'sensor-ingest',
      machine: { cpus: os.cpus().length, node: process.version },
      note: 'Console, PostgreSQL and agents share this machine. Steady phases offer 1 heartbeat/s and 6 events/min per sensor; the burst offers far more events than the console takes, so its events/s is the ingest ceiling. ratioToRawInsert = console events/s ÷ raw PostgreSQL multi-row INSERT rows/s.',
      settings: { warmupSeconds: opts.warmupMs / 1000, measureSeconds: opts.measureMs / 1000, heartbeatMs: 1000 },
      registration,
      phases: phases.map((p) => ({ ...p, ratioToRawInsert: ratio(p.eventsPerSec) })),
      burst: burst ? { ...burst, ratioToRawInsert: ratio(burst.eventsPerSec) } : null,
      rawPostgresInsertBaseline: baseline,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    process.off('SIGINT', interrupt);
    await disconnectDb().catch(() => undefined);
    const code = await stopConsole(running.process);
    if (code !== 0) log(`console exited with code ${code}`);
    await rm(dataDir, { recursive: true, force: true });
    await rm(agentsDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/ingest.ts')) {
  benchIngest().catch((error: unknown) => {
    process.stderr.write(`bench ingest failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
