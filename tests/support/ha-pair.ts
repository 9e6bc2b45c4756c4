import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { tlsPaths } from '../../lib/appliance/tls-files.ts';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { openDatabase } from '../../lib/db/open.ts';
import { freePort, startConsole, stopConsole } from './console.ts';
import { startFaultProxy, type Direction, type FaultMode, type FaultProxy } from './fault-proxy.ts';
import {
  emptyHistory,
  eventHash,
  observerNow,
  type EntityDigests,
  type EventRow,
  type History,
  type Mode,
  type SettingWrite,
  type StateSample,
} from './history.ts';
import { request, signInOverHttps } from './https.ts';
import { queryOn, sideEnv, type ConsoleSide } from './paired-consoles.ts';
import { actionId, callServerAction, type BrowserSession, type ServerActionRef } from './server-action.ts';
import { outboxLines } from './outbox-files.ts';
import { waitFor } from './wait-for.ts';

// Two whole consoles (server.ts, each on its own embedded PostgreSQL) paired by the commands, every link
// between the parts through its own fault proxy, real sensor agents, and recorders that write what is
// seen into a History (tests/support/history.ts) for the invariant checkers. The fault suite of issue 9
// is built on this; tests/integration/failover.test.ts uses it.
//
// Addresses: a block of ten loopback addresses per pair (`addressBlock`, default 130: 127.0.0.131–139),
// so that test files running side by side do not meet. In the block: the primary console on .x1, the
// secondary on .x2; the proxies in front of the primary on .x3 (and .x5, a second route for sensors), those
// in front of the secondary on .x4. Each console's trusted_host row names the proxies in front of its
// peer, so the replication pump, the peer status and the `peers` list sensors learn all go through them;
// sensors register through the primary's (a fleet started on route 'sensors-primary-b' through the
// second one, so that half of the sensors can be cut from the primary while the other half is not).
//
//   link                   proxy               forwards to
//   sensors-primary        .x3:<https>         primary HTTPS (sensor API)
//   secondary-primary      .x3:<peer>          primary peer listener (the secondary's pump and calls)
//   sensors-secondary      .x4:<https>         secondary HTTPS
//   primary-secondary      .x4:<peer>          secondary peer listener (the primary's pump and calls)
//   sensors-primary-b      .x5:<https>         primary HTTPS, for the fleets started on this route
//
// The operator's browser (the settings writer) and the harness's SQL reach each console directly.

export type SideName = 'primary' | 'secondary';
export type LinkName = 'sensors-primary' | 'sensors-secondary' | 'primary-secondary' | 'secondary-primary' | 'sensors-primary-b';
export const LINKS: readonly LinkName[] = [
  'sensors-primary',
  'sensors-secondary',
  'primary-secondary',
  'secondary-primary',
  'sensors-primary-b',
];
// The routes a fleet of sensors can take to the primary.
export type SensorRoute = 'sensors-primary' | 'sensors-primary-b';

export type ProcessState = 'running' | 'stopped' | 'dead';
export type HaSide = ConsoleSide & {
  name: SideName;
  url: string;
  ca: string;
  process: ProcessState;
  // Set when the console runs under libfaketime: the file holding its clock offset.
  clockFile: string | null;
  starts: number;
};

export type Agents = { name: string; count: number; dataDir: string; child: ChildProcess; logFile: string; sensors: string[] };

export type HaPairOptions = {
  // Consoles that run under libfaketime, so that jumpClock can move their wall clock.
  clockFaults?: readonly SideName[];
  // Sensors registered before pairing (pairing needs at least two connected ones).
  sensors?: number;
  eventsPerMinute?: number;
  // The pair's ten loopback addresses are 127.0.0.(block+1 … block+9); see the address table above.
  addressBlock?: number;
  // The agents' --max-sockets (default: scaled with the count). A fleet shares that many requests in flight
  // among all its sensors and both consoles, and a hung console holds each one for its whole timeout, so
  // with the default a hang starves the others (the benchmark gives every sensor room of its own).
  agentMaxSockets?: number;
};

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const addressesOf = (block: number) => {
  if (!Number.isInteger(block) || block < 10 || block > 240 || block % 10 !== 0)
    throw new Error(`addressBlock must be a multiple of 10 between 10 and 240, not ${block}`);
  const at = (n: number) => `127.0.0.${block + n}`;
  return {
    hosts: { primary: at(1), secondary: at(2) } as const,
    proxyHosts: { primary: at(3), secondary: at(4), primaryB: at(5) } as const,
  };
};
// A write with no answer this long is recorded 'unknown'. Longer than the 2 s a paired console waits for
// its peer to commit a person's change, shorter than the fastest takeover (see atMostOneWriter).
export const WRITE_TIMEOUT_MS = 4000;

const digestShape = z.object({ rows: z.number(), digest: z.string().nullable() });
const driftJson = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    settled: z.boolean(),
    entities: z.array(z.object({ entity: z.string(), local: digestShape, peer: digestShape })),
  }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
const ackedPointer = z.object({ ackedSeq: z.number().int().nonnegative() });
const outboxLine = z.object({ seq: z.number().int().positive() }).passthrough();
const applianceRow = z.object({ state: z.enum(['ACTIVE', 'STANDBY', 'FROZEN']), term: z.coerce.number() });
const healthBody = z.object({
  status: z.string(),
  state: z.enum(['ACTIVE', 'STANDBY', 'FROZEN']).optional(),
  term: z.coerce.number().optional(),
  writable: z.boolean().optional(),
});
export type ConsoleHealth = z.infer<typeof healthBody>;
const roleAuditRow = z.object({
  id: z.coerce.number(),
  at: z.coerce.date(),
  action: z.string(),
  outcome: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type RoleAudit = { id: number; at: number; action: string; outcome: string; details: Record<string, unknown> };

// A console command run without blocking this process: the fault proxies live in it, and a command
// whose traffic crosses them (the drift check) would wait for ever behind spawnSync. One still running
// after `timeoutMs` is killed and reported as such, so that a hung command fails the scenario by name
// rather than by the test's timeout.
function command(
  side: ConsoleSide,
  name: string,
  args: string[] = [],
  timeoutMs = 120_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `cli/${name}.ts`, ...args], {
      env: { ...process.env, ...sideEnv(side) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    const timer = setTimeout(() => {
      stderr += `\n${name} still running after ${timeoutMs} ms: killed`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function stopOrphanedPostgres(dataDir: string) {
  const pidFile = path.join(clusterDirOf(dataDir, readCredentials(dataDir)), 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  await waitFor(`PostgreSQL ${pid} to stop`, () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

export type HaPair = Awaited<ReturnType<typeof startHaPair>>;

export async function startHaPair(options: HaPairOptions = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'otc-ha-pair-'));
  // The consoles' own users (postgres) must pass through to the clusters below.
  chmodSync(root, 0o711);
  const history: History = emptyHistory();
  const { hosts: HOSTS, proxyHosts: PROXY_HOSTS } = addressesOf(options.addressBlock ?? 130);
  const side = async (name: SideName): Promise<HaSide> => {
    const dataDir = path.join(root, name);
    mkdirSync(dataDir, { mode: 0o711 });
    const host = HOSTS[name];
    return {
      name,
      host,
      port: await freePort(host),
      peerPort: await freePort(host),
      dataDir,
      db: '',
      url: '',
      ca: '',
      process: 'dead',
      clockFile: options.clockFaults?.includes(name) ? path.join(dataDir, 'faketime') : null,
      starts: 0,
    };
  };
  const sides: Record<SideName, HaSide> = { primary: await side('primary'), secondary: await side('secondary') };
  const other = (name: SideName): SideName => (name === 'primary' ? 'secondary' : 'primary');

  // ---- Consoles ----------------------------------------------------------------------------------

  function clockEnv(s: HaSide): Record<string, string> {
    if (!s.clockFile) return {};
    if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: apt-get install faketime`);
    if (!existsSync(s.clockFile)) writeFileSync(s.clockFile, '+0\n', { mode: 0o644 });
    // The monotonic clock stays true (the leases use it); the file is read on every wall-clock call, so
    // rewriting it jumps the clock at once, for the console and for the PostgreSQL it starts.
    return { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: s.clockFile, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
  }

  async function start(s: HaSide) {
    s.starts++;
    s.running = await startConsole({ ...sideEnv(s), ...clockEnv(s) }, { logFile: path.join(s.dataDir, `console-${s.starts}.out`) });
    s.url = s.running.url;
    s.process = 'running';
    // The console's own login to its database (the port may have moved across a restart).
    s.db = (await openDatabase(s.dataDir, undefined)).url;
  }

  const consoleProcess = (name: SideName) => {
    const running = sides[name].running;
    if (!running || sides[name].process === 'dead') throw new Error(`the ${name} console is not running`);
    return running.process;
  };

  // kill -9 of the console process alone. Its PostgreSQL (own process group) is orphaned and keeps
  // serving the cluster; restart() stops it first (lib/db/embedded.ts, stopOrphan).
  async function kill9(name: SideName) {
    const child = consoleProcess(name);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    sides[name].process = 'dead';
  }

  // A hung console: SIGSTOP of the console process (its PostgreSQL runs on), and SIGCONT.
  function stop(name: SideName) {
    consoleProcess(name).kill('SIGSTOP');
    sides[name].process = 'stopped';
  }
  function cont(name: SideName) {
    consoleProcess(name).kill('SIGCONT');
    sides[name].process = 'running';
  }

  // Stops the console if it runs (SIGINT, as the service manager would) and starts it again on the same
  // data directory, addresses and clock offset. After kill9 it starts over the orphaned PostgreSQL.
  async function restart(name: SideName) {
    const s = sides[name];
    if (s.process === 'stopped') cont(name);
    if (s.process === 'running' && s.running) await stopConsole(s.running.process);
    s.process = 'dead';
    // A browser signs in again after a restart rather than count on its old session.
    sessions.delete(name);
    await start(s);
  }

  // Moves the wall clock of a console started under libfaketime: '+5m', '-90s', '+0' (back to true).
  function jumpClock(name: SideName, offset: string) {
    const file = sides[name].clockFile;
    if (!file) throw new Error(`the ${name} console was not started with clockFaults: ['${name}']`);
    if (!/^[+-]\d+(\.\d+)?[smhdy]?$/.test(offset)) throw new Error(`not a libfaketime offset: ${offset}`);
    writeFileSync(file, `${offset}\n`);
  }

  // ---- Links ---------------------------------------------------------------------------------------

  const started = await Promise.allSettled([start(sides.primary), start(sides.secondary)]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const s of Object.values(sides)) if (s.process === 'running' && s.running) await stopConsole(s.running.process);
    await rm(root, { recursive: true, force: true });
    throw failed.reason;
  }
  for (const s of Object.values(sides)) s.ca = readFileSync(tlsPaths(s.dataDir).cert, 'utf8');
  const links: Record<LinkName, FaultProxy> = {
    'sensors-primary': await startFaultProxy({ host: HOSTS.primary, port: sides.primary.port }, PROXY_HOSTS.primary),
    'secondary-primary': await startFaultProxy({ host: HOSTS.primary, port: sides.primary.peerPort }, PROXY_HOSTS.primary),
    'sensors-secondary': await startFaultProxy({ host: HOSTS.secondary, port: sides.secondary.port }, PROXY_HOSTS.secondary),
    'primary-secondary': await startFaultProxy({ host: HOSTS.secondary, port: sides.secondary.peerPort }, PROXY_HOSTS.secondary),
    'sensors-primary-b': await startFaultProxy({ host: HOSTS.primary, port: sides.primary.port }, PROXY_HOSTS.primaryB),
  };

  // Each direction of each named link to `mode` ('refuse': new connections refused, open ones carry on).
  async function partition(names: readonly LinkName[], mode: FaultMode | 'refuse', direction: Direction | 'both' = 'both') {
    for (const name of names) {
      if (mode === 'refuse') await links[name].refuse();
      else links[name].set(direction, mode);
    }
  }
  async function heal() {
    for (const name of LINKS) {
      links[name].set('both', { mode: 'pass' });
      await links[name].accept();
    }
  }

  // ---- Agents --------------------------------------------------------------------------------------

  const fleets: Agents[] = [];
  // Writers and samplers still running: close() ends them (a test that failed half-way left them).
  const loops: (() => void)[] = [];
  // A fleet of real agents (sensor/cli.ts) registered through the primary's proxy, keeping acknowledged
  // outbox segments (--keep-acked) so that what they acknowledged can be read back with its content.
  async function startAgents(
    name: string,
    count: number,
    eventsPerMinute = options.eventsPerMinute ?? 60,
    route: SensorRoute = 'sensors-primary',
  ): Promise<Agents> {
    const token = (await queryOn<{ t: string }>(sides.primary, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
    const dataDir = path.join(root, `agents-${name}`);
    mkdirSync(dataDir, { recursive: true });
    const logFile = path.join(dataDir, 'agents.out');
    const fd = openSync(logFile, 'a');
    const proxy = links[route];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'sensor/cli.ts',
        '--connect',
        `${proxy.host}:${proxy.port}:${token}`,
        '--name',
        name,
        '--count',
        String(count),
        '--data-dir',
        dataDir,
        '--events-per-minute',
        String(eventsPerMinute),
        '--keep-acked',
        ...(options.agentMaxSockets ? ['--max-sockets', String(options.agentMaxSockets)] : []),
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    const width = Math.max(4, String(count).length);
    const sensors = count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${String(i + 1).padStart(width, '0')}`);
    const agents = { name, count, dataDir, child, logFile, sensors };
    fleets.push(agents);
    return agents;
  }

  async function stopAgents(agents: Agents) {
    if (agents.child.exitCode !== null || agents.child.signalCode !== null) return;
    const exited = new Promise((resolve) => agents.child.once('exit', resolve));
    agents.child.kill('SIGTERM');
    await exited;
    collectAcknowledged();
  }

  // Sensors a console heard from in the last few seconds.
  const connectedSensors = async (name: SideName) =>
    (
      await queryOn<{ n: number }>(sides[name], "SELECT count(*)::int AS n FROM sensor WHERE last_heard_at > now() - interval '4 seconds'")
    )[0]!.n;

  // Records every event an agent has dropped from its outbox (acked.json's pointer is the durableSeq it
  // was given: see AckedEvent) and not recorded yet, with its content hash, read from the kept segments.
  const recordedUpTo = new Map<string, number>();
  function collectAcknowledged() {
    const at = observerNow();
    for (const fleet of fleets)
      for (const sensor of fleet.sensors) {
        const outbox = path.join(fleet.dataDir, sensor, 'outbox');
        const pointerFile = path.join(outbox, 'acked.json');
        if (!existsSync(pointerFile)) continue;
        const pointer = ackedPointer.parse(JSON.parse(readFileSync(pointerFile, 'utf8'))).ackedSeq;
        const from = (recordedUpTo.get(sensor) ?? 0) + 1;
        if (pointer < from) continue;
        const found = new Map<number, string>();
        for (const line of outboxLines(outbox)) {
          const event = outboxLine.parse(JSON.parse(line));
          if (event.seq >= from && event.seq <= pointer) found.set(event.seq, eventHash(event));
        }
        for (let seq = from; seq <= pointer; seq++) {
          const hash = found.get(seq);
          // The outbox keeps every acknowledged segment (--keep-acked): a missing one is a harness bug.
          if (hash === undefined) throw new Error(`${sensor} acknowledged seq ${seq} but its outbox has no such event`);
          history.events.push({ at, sensor, seq, hash, source: 'outbox' });
        }
        recordedUpTo.set(sensor, pointer);
      }
  }

  // ---- Settings writer -----------------------------------------------------------------------------

  const adminPassword = sides.primary.running!.adminPassword!;
  const sessions = new Map<SideName, BrowserSession>();
  let renameAction: ServerActionRef | undefined;
  let writes = 0;

  async function session(name: SideName): Promise<BrowserSession> {
    const known = sessions.get(name);
    if (known) return known;
    const s = sides[name];
    // Users are replicated: the primary's admin signs in on either console.
    const signedIn = await signInOverHttps(s.url, s.ca, 'admin', adminPassword, WRITE_TIMEOUT_MS);
    if ('error' in signedIn) throw new Error(`admin could not sign in on the ${name}: ${signedIn.error}`);
    const created = { url: s.url, ca: s.ca, cookie: signedIn.cookie };
    sessions.set(name, created);
    return created;
  }

  // One person's change through the product's server action (updateConsoleName: the setting
  // console.name), over HTTPS as the browser sends it, recorded with its outcome. Values are unique.
  async function writeSetting(name: SideName): Promise<SettingWrite> {
    renameAction ??= await actionId('lib/appliance/actions.ts', 'updateConsoleName');
    const value = `w${++writes}-${name[0]}`;
    const record: SettingWrite = { console: name, startedAt: observerNow(), endedAt: 0, outcome: 'unknown', key: 'console.name', value };
    try {
      const result = await callServerAction(await session(name), renameAction, { name: value }, { timeoutMs: WRITE_TIMEOUT_MS });
      if (typeof result.term === 'number') record.term = result.term;
      // LEASE_LOST comes after the commit: the console cannot confirm a change it did make, which may or
      // may not survive (history.ts, "unknown"). Every other refusal comes before anything is written.
      record.outcome = result.ok ? 'acknowledged' : result.code === 'LEASE_LOST' ? 'unknown' : 'refused';
      record.detail = result.ok
        ? typeof result.replication === 'string'
          ? `replication ${result.replication}`
          : undefined
        : `${result.code ?? ''} ${result.message ?? ''}`.trim();
      // The console ended the session (a wall clock stepped back past the sign-in, say): the person
      // signs in again before the next change.
      if (!result.ok && result.code === 'UNAUTHENTICATED') sessions.delete(name);
    } catch (error) {
      // No answer, or not one a browser could read as the action's: it may have committed.
      record.detail = error instanceof Error ? error.message : String(error);
      sessions.delete(name);
    }
    record.endedAt = observerNow();
    history.writes.push(record);
    return record;
  }

  // Writes one after another (a person at a form) to whichever console `target()` names, pausing
  // `pauseMs` between, until stopped.
  function startWriter(target: () => SideName, pauseMs = 200) {
    let running = true;
    loops.push(() => (running = false));
    const done = (async () => {
      while (running) {
        await writeSetting(target());
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  // ---- Health, terms, role changes ------------------------------------------------------------------

  // GET /api/health straight to the console (not through a proxy): state, term and whether it accepts
  // people's changes now (`writable`: active and holding the write lease). Null when it does not answer.
  async function health(name: SideName, timeoutMs = 1000): Promise<ConsoleHealth | null> {
    const s = sides[name];
    if (s.process !== 'running') return null;
    try {
      const response = await request(`${s.url}/api/health`, { ca: s.ca, timeoutMs });
      const parsed = healthBody.safeParse(JSON.parse(response.body));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async function waitWritable(name: SideName, timeoutMs = 60_000) {
    await waitFor(`the ${name} to accept changes (health says writable)`, async () => (await health(name))?.writable === true, timeoutMs);
  }

  // The console a person would send changes to now: the one the sampler last saw holding the lease, or,
  // while neither does, the one that held it last (its refusals are part of the story).
  let lastWritable: SideName = 'primary';
  function writableConsole(): SideName {
    const newest = (['primary', 'secondary'] as const)
      .map((name) => lastSample(name))
      .filter((sample): sample is StateSample => sample?.leaseHeld === true)
      .sort((a, b) => b.at - a.at)[0];
    if (newest) lastWritable = newest.console as SideName;
    return lastWritable;
  }

  // Each acknowledged write's term, read from the journal of the console that acknowledged it (the record
  // it appended in the write's transaction carries the term it wrote in). An acknowledged write with no
  // such record was never committed there: that is reported, not papered over.
  async function attachTerms(): Promise<string[]> {
    const problems: string[] = [];
    for (const write of history.writes) {
      if (write.outcome !== 'acknowledged' || write.term !== undefined) continue;
      const rows = await queryOn<{ term: string }>(
        sides[write.console as SideName],
        `SELECT term::text AS term FROM journal WHERE entity = 'setting' AND key = $1 AND payload->>'value' = $2 ORDER BY seq`,
        [write.key, write.value],
      );
      if (rows.length !== 1)
        problems.push(`${write.key}=${write.value}, acknowledged by the ${write.console}, has ${rows.length} journal records there`);
      if (rows[0]) write.term = Number(rows[0].term);
    }
    return problems;
  }

  // The role changes a console audited itself (not those replicated from its peer), oldest first.
  async function roleAudits(name: SideName): Promise<RoleAudit[]> {
    const rows = await queryOn<Record<string, unknown>>(
      sides[name],
      "SELECT id::text AS id, at, action, outcome, details FROM audit_event WHERE action LIKE 'ha.%' AND origin IS NULL ORDER BY id",
    );
    return rows.map((row) => {
      const r = roleAuditRow.parse(row);
      return { id: r.id, at: r.at.getTime(), action: r.action, outcome: r.outcome, details: r.details ?? {} };
    });
  }

  // ---- Sampler -------------------------------------------------------------------------------------

  // One state sample per console: mode and term from its appliance row (what it persisted; a killed
  // console's orphaned PostgreSQL still answers with it, so the process state is recorded beside), and
  // whatever `status` adds (the HA status once the failover runtime exposes it). A console whose
  // database does not answer (restarting) gives no sample.
  async function sampleOnce(status?: (name: SideName) => Promise<Partial<Pick<StateSample, 'leaseHeld'>> | null>) {
    await Promise.all(
      (['primary', 'secondary'] as const).map(async (name) => {
        const at = observerNow();
        const processState = sides[name].process;
        try {
          const row = applianceRow.parse((await queryOn(sides[name], 'SELECT state, term::text AS term FROM appliance'))[0]);
          const extra = processState === 'running' && status ? await status(name).catch(() => null) : null;
          history.samples.push({ at, console: name, mode: row.state as Mode, term: row.term, process: processState, ...extra });
        } catch {
          // no sample
        }
      }),
    );
  }

  // The newest sample of a console (e.g. for a writer that follows the active console).
  const lastSample = (name: SideName): StateSample | undefined => history.samples.findLast((sample) => sample.console === name);

  // Samples both consoles and collects acknowledged events every `intervalMs` until stopped.
  // By default the HA status is the console's health: `writable` is recorded as leaseHeld.
  const leaseStatus = async (name: SideName) => {
    const h = await health(name);
    return h?.writable === undefined ? null : { leaseHeld: h.writable };
  };
  function startSampler(intervalMs = 250, status: Parameters<typeof sampleOnce>[0] = leaseStatus) {
    let running = true;
    loops.push(() => (running = false));
    const done = (async () => {
      while (running) {
        await sampleOnce(status);
        collectAcknowledged();
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  // ---- Final state ---------------------------------------------------------------------------------

  // The drift check (cyberx-management-ha-check, run on the primary over the peer link): each console's
  // digest per replicated entity once both stand at the same journal position.
  async function digests(waitSeconds = 30): Promise<Record<SideName, EntityDigests>> {
    const run = await command(sides.primary, 'cyberx-management-ha-check', ['--json', '--wait', String(waitSeconds)]);
    const parsed = driftJson.safeParse(JSON.parse(run.stdout || 'null'));
    if (!parsed.success) throw new Error(`the drift check printed no result (exit ${run.status}): ${run.stderr}`);
    const result = parsed.data;
    if (!result.ok) throw new Error(`drift check failed: ${result.message}`);
    if (!result.settled) throw new Error(`the consoles never stood at the same journal position within ${waitSeconds} s`);
    return {
      primary: Object.fromEntries(result.entities.map((e) => [e.entity, e.local])),
      secondary: Object.fromEntries(result.entities.map((e) => [e.entity, e.peer])),
    };
  }

  async function finalEvents(name: SideName): Promise<EventRow[]> {
    const rows = await queryOn<{ sensor: string; seq: string; payload: Record<string, unknown> }>(
      sides[name],
      'SELECT s.name AS sensor, e.seq::text AS seq, e.payload FROM sensor_event e JOIN sensor s ON s.id = e.sensor_id',
    );
    return rows.map((r) => ({ sensor: r.sensor, seq: Number(r.seq), hash: eventHash(r.payload) }));
  }

  async function finalSettings(name: SideName): Promise<Record<string, unknown>> {
    const rows = await queryOn<{ key: string; value: unknown }>(sides[name], 'SELECT key, value FROM setting');
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  // ---- Pairing -------------------------------------------------------------------------------------

  async function pair() {
    const token = (await queryOn<{ t: string }>(sides.secondary, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
    const { primary, secondary } = sides;
    const added = await command(primary, 'cyberx-management-trusted-hosts-add', [
      '-ip',
      secondary.host,
      '-port',
      String(secondary.port),
      '-token',
      token,
      '-confirm-replace',
    ]);
    if (added.status !== 0) throw new Error(`trusted-hosts-add failed:\n${added.stdout}${added.stderr}`);
    const applied = await command(primary, 'cyberx-management-trusted-hosts-apply');
    if (applied.status !== 0) throw new Error(`trusted-hosts-apply failed:\n${applied.stdout}${applied.stderr}`);
    // From now on each console reaches its peer, and tells sensors of it, through the proxies.
    const routes = [
      { self: 'primary', https: links['sensors-secondary'], peerLink: links['primary-secondary'] },
      { self: 'secondary', https: links['sensors-primary'], peerLink: links['secondary-primary'] },
    ] as const;
    for (const { self, https, peerLink } of routes) {
      await queryOn(sides[self], 'UPDATE trusted_host SET address = $1, port = $2, peer_port = $3', [
        https.host,
        https.port,
        peerLink.port,
      ]);
    }
    await waitFor("the primary's pump to go through its proxy", () => links['primary-secondary'].connections() > 0, 30_000);
  }

  let agents: Agents;
  try {
    agents = await startAgents('ha', options.sensors ?? 3);
    const count = agents.count;
    // Registration takes longer the more sensors there are (each one a handshake and a transaction).
    await waitFor(
      `${count} connected sensors on the primary`,
      async () => (await connectedSensors('primary')) === count,
      60_000 + 60 * count,
    );
    await pair();
  } catch (error) {
    // Nothing started here outlives a failed set-up.
    await close();
    throw error;
  }

  // `keep`: leave the data directories (consoles' logs, databases, agents' outboxes) for a post-mortem.
  async function close(options: { keep?: boolean } = {}) {
    for (const end of loops) end();
    for (const fleet of fleets) {
      if (fleet.child.exitCode === null && fleet.child.signalCode === null) {
        const exited = new Promise((resolve) => fleet.child.once('exit', resolve));
        fleet.child.kill('SIGKILL');
        await exited;
      }
    }
    for (const s of Object.values(sides)) {
      if (s.process === 'stopped') cont(s.name);
      if (s.process === 'running' && s.running) await stopConsole(s.running.process);
      // A killed console left its PostgreSQL running: stop it as a restart would (fast shutdown).
      else if (s.process === 'dead') await stopOrphanedPostgres(s.dataDir);
      s.process = 'dead';
    }
    await Promise.all(Object.values(links).map((proxy) => proxy.close()));
    if (options.keep) console.log(`kept the pair's data directories for inspection: ${root}`);
    else await rm(root, { recursive: true, force: true });
  }

  return {
    root,
    history,
    sides,
    links,
    agents,
    other,
    kill9,
    stop,
    cont,
    restart,
    jumpClock,
    partition,
    heal,
    startAgents,
    stopAgents,
    connectedSensors,
    collectAcknowledged,
    writeSetting,
    startWriter,
    sampleOnce,
    startSampler,
    lastSample,
    health,
    waitWritable,
    writableConsole,
    attachTerms,
    roleAudits,
    digests,
    finalEvents,
    finalSettings,
    close,
  };
}
