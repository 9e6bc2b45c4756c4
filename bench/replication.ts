import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { formatConnectionString } from '../lib/appliance/connection-string.ts';
import { removeRelocatedCluster } from '../lib/db/cluster-location.ts';
import { openDatabase } from '../lib/db/open.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../tests/support/console.ts';
import { signInOverHttps } from '../tests/support/https.ts';
import { actionId, callServerAction, type BrowserSession } from '../tests/support/server-action.ts';
import { summarize } from './signin.ts';
import { sideEnv } from '../tests/support/paired-consoles.ts';

// `npm run bench -- replication [--quick]`: replication between two real consoles (server.ts, each with
// its embedded PostgreSQL) on loopback addresses of their own, paired with the appliance commands
// (cyberx-management-trusted-hosts-add, then -apply). Measured, in order:
//   1. the snapshot: the primary's sensor_event table filled with --events rows (one bulk INSERT … SELECT
//      generate_series into a registered sensor) before pairing, then apply → snapshot done;
//   2. settings writes: setSetting (lib/settings/mutations.ts) in this process on the primary's database,
//      then the secondary's database polled until the value is there;
//   3. synchronous writes: the same server action (updateConsoleName, lib/appliance/actions.ts) called
//      over HTTPS as a browser calls it, signed in as admin, alternately on the paired primary (which
//      answers once the secondary has committed the change, or after the 2 s bound with
//      replication: 'pending') and on a third console on its own address that stays standalone;
//   4. sensor events at --sensors real agents (sensor/cli.ts, 6 events a minute each): the moment each
//      event of a sample of sensors appears on the secondary (max(seq) per sensor, polled) against its
//      received_at on the primary.
// Prints one JSON object on stdout; progress goes to stderr. Measurements, never pass/fail.

const HOSTS = { primary: '127.0.0.111', secondary: '127.0.0.112', standalone: '127.0.0.121' } as const;
const AGENT_PREFIX = 'bench-repl';
const BULK_SENSOR = 'bench-bulk';
const EVENTS_PER_MINUTE = 6;
const SAMPLED_SENSORS = 100;
// The secondary is polled this often for settings (a tight loop on one connection) and for events.
const SETTING_POLL_MS = 2;
const EVENT_POLL_MS = 50;
const FILL_CHUNK = 100_000;
// Calls of the action on each console before the measured ones: the first requests load the page's code.
const SYNC_WARMUP = 10;

const log = (message: string) => process.stderr.write(`bench replication: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type Side = { label: string; host: string; port: number; peerPort: number; dataDir: string; running?: RunningConsole; db: string };

const envOf = (side: Side) => ({ ...sideEnv(side), OTC_DOMAIN: '' });

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== 'replication'),
    options: {
      quick: { type: 'boolean' },
      sensors: { type: 'string' },
      events: { type: 'string' },
      writes: { type: 'string' },
      measure: { type: 'string' },
      'sync-writes': { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const sensors = Number(values.sensors ?? (quick ? 100 : 1000));
  const events = Number(values.events ?? (quick ? 100_000 : 1_000_000));
  const writes = Number(values.writes ?? (quick ? 50 : 200));
  const measure = Number(values.measure ?? (quick ? 20 : 60));
  const syncWrites = Number(values['sync-writes'] ?? (quick ? 200 : 500));
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (
    !whole(sensors, 2, 5000) ||
    !whole(events, 1, 20_000_000) ||
    !whole(writes, 1, 100_000) ||
    !whole(measure, 5, 600) ||
    !whole(syncWrites, 1, 100_000)
  )
    throw new Error(
      'usage: npm run bench -- replication [--quick] [--sensors 2–5000] [--events 1–20000000] [--writes 1–100000] [--measure 5–600 seconds] [--sync-writes 1–100000]',
    );
  return { quick, sensors, events, writes, measureMs: measure * 1000, syncWrites };
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function all<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = await connect(url);
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
const one = async <R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) => (await all<R>(url, text, values))[0]!;

// An appliance command as an operator runs it on that console; its output lines are kept.
async function command(side: Side, name: string, args: string[] = []): Promise<{ code: number | null; lines: string[]; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', `cli/${name}.ts`, ...args], {
    env: { ...process.env, ...envOf(side) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      log(`  ${name}: ${line}`);
    });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, lines, seconds: (performance.now() - started) / 1000 };
}

type Agents = { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; tail: string[] };

function startAgents(connectString: string, dataDir: string, name: string, count: number, extra: string[]): Agents {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sensor/cli.ts',
      '--connect',
      connectString,
      '--name',
      name,
      '--count',
      String(count),
      '--data-dir',
      dataDir,
      ...extra,
    ],
    // fsyncs run on libuv's thread pool: give the outboxes of many sensors more than 4 threads.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '16' } },
  );
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"type":"ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`sensor agents ${name} exited with ${code}:\n${tail.join('\n')}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited, tail };
}

async function stopAgents(agents: Agents): Promise<void> {
  if (agents.child.exitCode === null && agents.child.signalCode === null) agents.child.kill('SIGTERM');
  const timer = setTimeout(() => agents.child.kill('SIGKILL'), 30_000);
  await agents.exited;
  clearTimeout(timer);
}

// The bulk rows: alerts as the agents send them (payload = the event), spread over the past, in one
// INSERT … SELECT generate_series per chunk. They bypass the journal, as data from before a pairing does.
async function fillEvents(primary: Side, sensorId: string, rows: number) {
  const client = await connect(primary.db);
  const started = performance.now();
  try {
    for (let from = 1; from <= rows; from += FILL_CHUNK) {
      const to = Math.min(rows, from + FILL_CHUNK - 1);
      await client.query(
        `INSERT INTO sensor_event (sensor_id, seq, kind, occurred_at, received_at, severity, title, payload)
         SELECT $1::uuid, g, 'alert', t.at, t.at + interval '40 ms', s.severity, s.title,
                jsonb_build_object('seq', g, 'kind', 'alert', 'at', (extract(epoch FROM t.at) * 1000)::bigint,
                  'severity', s.severity, 'title', s.title, 'protocol', s.protocol,
                  'source', '10.40.' || (g % 16) || '.' || (251 + g % 4), 'destination', '10.40.' || (g % 16) || '.' || (10 + g % 40),
                  'details', s.details || ' (unit id ' || (1 + g % 247) || ')')
         FROM generate_series($2::bigint, $3::bigint) AS g
         CROSS JOIN LATERAL (SELECT now() - ($4::bigint - g) * interval '250 ms' AS at) AS t
         JOIN (VALUES
           (0, 'high', 'Unauthorized Modbus write to holding register 40001', 'modbus', 'Function code 16 (Write Multiple Registers) from a host that is not an authorized Modbus master'),
           (1, 'medium', 'Modbus diagnostics request (function code 8) from unknown host', 'modbus', 'Sub-function 0x0001 Restart Communications'),
           (2, 'critical', 'S7 PLC stop command from engineering workstation', 's7', 'CPU STOP requested over S7comm'),
           (3, 'high', 'DNP3 cold restart request', 'dnp3', 'Function code 13 (Cold Restart) to an outstation'),
           (4, 'medium', 'IEC 60870-5-104 general interrogation from unauthorized master', 'iec104', 'C_IC_NA_1 from an address outside the allowed masters')
         ) AS s(k, severity, title, protocol, details) ON s.k = g % 5`,
        [sensorId, from, to, rows],
      );
      log(`  ${to.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
    }
    await client.query('UPDATE sensor SET acked_seq = $2::bigint, alert_count = $3::int WHERE id = $1::uuid', [sensorId, rows, rows]);
    await client.query('ANALYZE sensor_event');
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds: round(seconds), rowsPerSec: Math.round(rows / seconds) };
}

// Each write commits on the primary, then the secondary's database is read on one connection until it
// holds the value. A random pause between writes spreads them over the pump's idle poll.
async function settingsLag(primary: Side, secondary: Side, writes: number) {
  Object.assign(process.env, { DATABASE_URL: primary.db, OTC_DATA_DIR: primary.dataDir, OTC_LOG_DIR: path.join(primary.dataDir, 'logs') });
  const { setSetting } = await import('../lib/settings/mutations.ts');
  const { disconnectDb } = await import('../lib/db/client.ts');
  const reader = await connect(secondary.db);
  const actor = { username: 'bench', ip: '127.0.0.1' };
  const lag: number[] = [];
  const write: number[] = [];
  try {
    for (let i = 0; i < writes; i++) {
      const value = `Bench ${i} ${Math.random().toString(36).slice(2, 8)}`;
      const started = performance.now();
      const result = await setSetting('console.name', value, actor);
      if (!result.ok) throw new Error(`setSetting refused: ${result.message}`);
      const committed = performance.now();
      const deadline = committed + 30_000;
      for (;;) {
        const { rows } = await reader.query<{ v: string }>(`SELECT value #>> '{}' AS v FROM setting WHERE key = 'console.name'`);
        if (rows[0]?.v === value) break;
        if (performance.now() > deadline) throw new Error(`write ${i} did not reach the secondary within 30 s`);
        await sleep(SETTING_POLL_MS);
      }
      lag.push(performance.now() - committed);
      write.push(committed - started);
      await sleep(Math.random() * 200);
    }
  } finally {
    await reader.end();
    await disconnectDb();
  }
  return { writes, lagAfterCommit: summarize(lag), writeOnPrimary: summarize(write), pollMs: SETTING_POLL_MS };
}

// A browser signed in as the console's admin (the password it printed at first start).
async function adminSession(side: Side): Promise<BrowserSession> {
  const url = side.running!.url;
  const ca = await readFile(path.join(side.dataDir, 'tls/appliance.crt'), 'utf8');
  const signedIn = await signInOverHttps(url, ca, 'admin', side.running!.adminPassword!);
  if ('error' in signedIn) throw new Error(`sign-in on the ${side.label} console failed: ${signedIn.error}`);
  return { url, ca, cookie: signedIn.cookie };
}

// The same server action, over HTTPS, alternately on the paired primary and on the standalone console
// (which of the two goes first alternates too). Each call is timed from encoding its arguments to the
// end of the response, as a browser waits for it. After each paired call the secondary's database is
// read once, not polled: the change should already be there.
async function syncWrites(primary: Side, secondary: Side, standalone: Side, n: number) {
  const action = await actionId('lib/appliance/actions.ts', 'updateConsoleName');
  const sessions = { paired: await adminSession(primary), standalone: await adminSession(standalone) };
  const reader = await connect(secondary.db);
  const samples = { paired: [] as number[], standalone: [] as number[] };
  let pending = 0;
  let notOnSecondary = 0;
  const call = async (which: 'paired' | 'standalone', i: number, measured: boolean) => {
    // Console names are at most 25 characters.
    const name = `Bench ${which === 'paired' ? 'P' : 'S'} ${i} ${Math.random().toString(36).slice(2, 8)}`;
    const started = performance.now();
    const result = await callServerAction(sessions[which], action, { name });
    const ms = performance.now() - started;
    if (!result.ok) throw new Error(`updateConsoleName on the ${which} console refused: ${result.message}`);
    if (which === 'standalone' && 'replication' in result)
      throw new Error(`a standalone console answered replication: ${result.replication}`);
    if (!measured) return;
    samples[which].push(ms);
    if (which !== 'paired') return;
    if (result.replication === 'pending') pending++;
    const { rows } = await reader.query<{ v: string }>(`SELECT value #>> '{}' AS v FROM setting WHERE key = 'console.name'`);
    if (rows[0]?.v !== name) notOnSecondary++;
  };
  try {
    for (let i = 0; i < SYNC_WARMUP; i++) {
      await call('paired', -1 - i, false);
      await call('standalone', -1 - i, false);
    }
    for (let i = 0; i < n; i++) {
      const order = i % 2 === 0 ? (['paired', 'standalone'] as const) : (['standalone', 'paired'] as const);
      for (const which of order) await call(which, i, true);
    }
  } finally {
    await reader.end();
  }
  const paired = summarize(samples.paired);
  const alone = summarize(samples.standalone);
  return {
    action: `${action.file} ${action.name}`,
    calls: n,
    warmupCalls: SYNC_WARMUP,
    paired,
    standalone: alone,
    pairedMinusStandalone: {
      p50_ms: round(paired.p50_ms - alone.p50_ms, 2),
      p95_ms: round(paired.p95_ms - alone.p95_ms, 2),
      p99_ms: round(paired.p99_ms - alone.p99_ms, 2),
      mean_ms: round(paired.mean_ms - alone.mean_ms, 2),
    },
    pairedPending: pending,
    pairedNotOnSecondaryAtResponse: notOnSecondary,
  };
}

// Every event of the sampled sensors stored on the primary during the window, against the moment this
// process first saw it on the secondary (its sensor's max(seq) there reached it).
async function sensorEventLag(
  primary: Side,
  secondary: Side,
  sensors: number,
  connectString: string,
  agentsDir: string,
  measureMs: number,
) {
  log(`${sensors} sensors at ${EVENTS_PER_MINUTE} events/min each against the primary`);
  const agents = startAgents(connectString, agentsDir, AGENT_PREFIX, sensors, [
    '--events-per-minute',
    String(EVENTS_PER_MINUTE),
    '--stats-ms',
    '1000',
  ]);
  const reader = await connect(secondary.db);
  try {
    const startedAt = performance.now();
    await agents.ready;
    const startSeconds = round((performance.now() - startedAt) / 1000);
    log(`  all started in ${startSeconds} s; warming up 10 s, then ${measureMs / 1000} s measured`);
    await sleep(10_000);
    const { ids } = await one<{ ids: string[] }>(
      primary.db,
      `SELECT array_agg(id::text ORDER BY name) AS ids FROM (SELECT id, name FROM sensor WHERE name LIKE $1 ORDER BY name LIMIT $2) s`,
      [`${AGENT_PREFIX}-%`, Math.min(SAMPLED_SENSORS, sensors)],
    );
    const maxima = async () => {
      const { rows } = await reader.query<{ id: string; max: string }>(
        'SELECT sensor_id::text AS id, max(seq)::text AS max FROM sensor_event WHERE sensor_id = ANY($1::uuid[]) GROUP BY sensor_id',
        [ids],
      );
      return new Map(rows.map((r) => [r.id, Number(r.max)]));
    };
    const seenAt = new Map<string, number>();
    const last = await maxima();
    const windowStart = new Date();
    const windowEnd = Date.now() + measureMs;
    const primaryHead = () =>
      one<{ n: number }>(
        primary.db,
        'SELECT count(*)::int AS n FROM sensor_event WHERE sensor_id = ANY($1::uuid[]) AND received_at >= $2',
        [ids, windowStart],
      );
    // After the window, until every sampled event stored on the primary in it was seen (or 30 s).
    let drainUntil = Infinity;
    let expected = Infinity;
    for (;;) {
      const now = Date.now();
      for (const [id, max] of await maxima()) {
        for (let seq = (last.get(id) ?? 0) + 1; seq <= max; seq++) seenAt.set(`${id}:${seq}`, now);
        last.set(id, Math.max(last.get(id) ?? 0, max));
      }
      if (now >= windowEnd && expected === Infinity) {
        expected = (await primaryHead()).n;
        drainUntil = now + 30_000;
      }
      if (now >= windowEnd && (seenAt.size >= expected || now > drainUntil)) break;
      await sleep(EVENT_POLL_MS);
    }
    const stored = await all<{ id: string; seq: string; at: Date }>(
      primary.db,
      'SELECT sensor_id::text AS id, seq::text, received_at AS at FROM sensor_event WHERE sensor_id = ANY($1::uuid[]) AND received_at >= $2 AND received_at < $3',
      [ids, windowStart, new Date(windowEnd)],
    );
    const lag: number[] = [];
    let unseen = 0;
    for (const row of stored) {
      const seen = seenAt.get(`${row.id}:${row.seq}`);
      if (seen === undefined) unseen++;
      else lag.push(Math.max(0, seen - row.at.getTime()));
    }
    const backlog = await one<{ n: string }>(
      primary.db,
      'SELECT ((SELECT coalesce(max(seq), 0) FROM journal) - (SELECT peer_applied_seq FROM trusted_host))::text AS n',
    );
    return {
      sensors,
      eventsPerMinutePerSensor: EVENTS_PER_MINUTE,
      offeredEventsPerSec: round((sensors * EVENTS_PER_MINUTE) / 60),
      startSeconds,
      measuredSeconds: measureMs / 1000,
      sampledSensors: ids.length,
      sampledEvents: stored.length,
      unseenOnSecondary: unseen,
      lagMs: lag.length ? summarize(lag) : null,
      pollMs: EVENT_POLL_MS,
      journalBacklogAtEnd: Number(backlog.n),
    };
  } finally {
    await reader.end();
    await stopAgents(agents);
  }
}

export async function benchReplication(): Promise<void> {
  const opts = options();
  if (!existsSync('.next/BUILD_ID')) throw new Error('.next/BUILD_ID is missing: run `npm run build` first');
  const sides: Side[] = [];
  for (const [label, host] of Object.entries(HOSTS))
    sides.push({
      label,
      host,
      port: await freePort(host),
      peerPort: await freePort(host),
      dataDir: await mkdtemp(path.join(os.tmpdir(), `otc-bench-repl-${label}-`)),
      db: '',
    });
  const [primary, secondary, standalone] = sides as [Side, Side, Side];
  const agentsDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-repl-agents-'));
  let pairingAgents: Agents | null = null;
  const interrupt = () => {
    for (const side of sides) side.running?.process.kill('SIGINT');
  };
  process.on('SIGINT', interrupt);
  try {
    log(`starting the primary on ${primary.host}, the secondary on ${secondary.host} and a standalone console on ${standalone.host}`);
    await Promise.all(
      sides.map(async (side) => {
        side.running = await startConsole(envOf(side), { logFile: path.join(side.dataDir, 'console.out') });
        side.db = (await openDatabase(side.dataDir, undefined)).url;
      }),
    );
    const token = async (side: Side) => (await one<{ t: string }>(side.db, 'SELECT connection_token AS t FROM appliance')).t;
    const connectString = formatConnectionString(primary.host, primary.port, await token(primary));

    log(`registering ${opts.sensors} sensors and ${BULK_SENSOR}`);
    const registrationStarted = performance.now();
    for (const [name, count] of [
      [AGENT_PREFIX, opts.sensors],
      [BULK_SENSOR, 1],
    ] as const) {
      const register = startAgents(connectString, agentsDir, name, count, ['--register-only']);
      const code = await register.exited;
      if (code !== 0) throw new Error(`registering ${name} failed (exit ${code}):\n${register.tail.join('\n')}`);
    }
    const registration = { sensors: opts.sensors + 1, seconds: round((performance.now() - registrationStarted) / 1000) };

    log(`filling the primary's sensor_event with ${opts.events.toLocaleString('en-US')} rows`);
    const bulk = await one<{ id: string }>(primary.db, 'SELECT id::text FROM sensor WHERE name = $1', [BULK_SENSOR]);
    const fill = await fillEvents(primary, bulk.id, opts.events);
    log(`  ${fill.rowsPerSec} rows/s`);

    // Pairing needs connected sensors: three of the registered ones, until the sensor phase.
    pairingAgents = startAgents(connectString, agentsDir, AGENT_PREFIX, 3, ['--stats-ms', '1000']);
    await pairingAgents.ready;
    for (let tries = 0; ; tries++) {
      const added = await command(primary, 'cyberx-management-trusted-hosts-add', [
        ...['-ip', secondary.host, '-port', String(secondary.port), '-token', await token(secondary), '-confirm-replace'],
      ]);
      if (added.code === 0) break;
      // Heartbeats reach the database in batches: the first sensors may not count as connected yet.
      const unmet = added.lines.filter((l) => /^[A-Z_]+: /.test(l));
      if (tries < 10 && unmet.length === 1 && unmet[0]!.startsWith('TOO_FEW_CONNECTED_SENSORS')) await sleep(1000);
      else throw new Error(`pairing refused:\n${added.lines.join('\n')}`);
    }
    log('applying the pair; the primary sends the snapshot');
    const applied = await command(primary, 'cyberx-management-trusted-hosts-apply');
    if (applied.code !== 0) throw new Error(`apply failed:\n${applied.lines.join('\n')}`);
    const sent = applied.lines.map((l) => /^Snapshot sent: (\d+) rows in ([\d.]+) s/.exec(l)).find(Boolean);
    const host = await one<{ rows: string; seconds: number }>(
      primary.db,
      'SELECT snapshot_rows::text AS rows, extract(epoch FROM snapshot_at - applied_at)::float8 AS seconds FROM trusted_host',
    );
    const onSecondary = await one<{ n: number }>(secondary.db, 'SELECT count(*)::int AS n FROM sensor_event WHERE sensor_id = $1::uuid', [
      bulk.id,
    ]);
    const snapshot = {
      rows: Number(host.rows),
      seconds: round(host.seconds, 2),
      rowsPerSec: Math.round(Number(host.rows) / host.seconds),
      applyCommandSeconds: round(applied.seconds),
      applyCommandPrinted: sent ? `${sent[1]} rows in ${sent[2]} s` : null,
      filledEventsOnSecondary: onSecondary.n,
      filledEventsMatch: onSecondary.n === opts.events,
    };
    log(
      `  ${snapshot.rows} rows in ${snapshot.seconds} s (${snapshot.rowsPerSec} rows/s); ${onSecondary.n} filled events on the secondary`,
    );

    log(`${opts.writes} settings writes on the primary`);
    const settings = await settingsLag(primary, secondary, opts.writes);
    log(`  lag p50 ${settings.lagAfterCommit.p50_ms} ms, p99 ${settings.lagAfterCommit.p99_ms} ms`);

    await stopAgents(pairingAgents);
    pairingAgents = null;
    log(`${opts.syncWrites} calls of a server action on the paired primary and as many on the standalone console, alternating`);
    const sync = await syncWrites(primary, secondary, standalone, opts.syncWrites);
    log(
      `  p50 ${sync.paired.p50_ms} ms paired, ${sync.standalone.p50_ms} ms standalone; p99 ${sync.paired.p99_ms} / ${sync.standalone.p99_ms} ms; ${sync.pairedPending} pending`,
    );

    const events = await sensorEventLag(primary, secondary, opts.sensors, connectString, agentsDir, opts.measureMs);
    log(`  event lag p50 ${events.lagMs?.p50_ms} ms, p99 ${events.lagMs?.p99_ms} ms over ${events.sampledEvents} events`);

    const result = {
      benchmark: 'replication',
      machine: { cpus: os.cpus().length, node: process.version },
      note: 'Both consoles, their PostgreSQL servers and the agents share this machine. The pump looks at the journal again 50 ms after finding it empty; writes made in another process (this one) wait for that look (a server action wakes the pump at once). snapshot.rows counts every replicated table (the filled events, the sensors, the audit trail …). Event lag = first seen on the secondary (polled every pollMs) − received_at on the primary. Synchronous writes: an HTTPS server action (sign-in session, encoded as the browser does, the result decoded) on the paired primary, which returns once the secondary has committed the change (bounded at 2 s, then replication: pending), against the same action on a standalone console on this machine; no sensors run during them.',
      settings: {
        quick: opts.quick,
        sensors: opts.sensors,
        events: opts.events,
        writes: opts.writes,
        measureSeconds: opts.measureMs / 1000,
        syncWrites: opts.syncWrites,
      },
      registration,
      fill,
      snapshot,
      settingsLag: settings,
      syncWrites: sync,
      sensorEventLag: events,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    process.off('SIGINT', interrupt);
    if (pairingAgents) await stopAgents(pairingAgents);
    for (const side of sides) {
      if (side.running) {
        const code = await stopConsole(side.running.process);
        if (code !== 0) log(`the ${side.label} console exited with code ${code}`);
      }
      await removeRelocatedCluster(side.dataDir).catch(() => undefined);
      await rm(side.dataDir, { recursive: true, force: true });
    }
    await rm(agentsDir, { recursive: true, force: true });
  }
}
