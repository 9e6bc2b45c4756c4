import { existsSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { FAILOVER_TIMERS } from '../lib/ha/timing.ts';
import { HEARTBEAT_TIMEOUT_MS, LEAVE_AFTER_MS, MISSES } from '../sensor/failover.ts';
import { startHaPair, type HaPair, type SideName } from '../tests/support/ha-pair.ts';
import {
  atMostOneWriter,
  converged,
  noAcknowledgedEventLost,
  noCommittedSettingLost,
  noDuplicateEvents,
  observerNow,
  termsOnlyGrow,
} from '../tests/support/history.ts';

// `npm run bench -- failover [--quick] [--sensors N] [--runs N] [--events-per-minute N] [--faults kill9,stop,partition]`:
// how long the pair of consoles is without a console that takes changes when the primary is lost. A whole pair
// (tests/support/ha-pair.ts: two consoles, a fault proxy on every link, real sensor agents) on 127.0.0.201–209;
// for each fault kind, --runs times:
//   t0: the fault — kill -9 of the primary console, SIGSTOP of it (a hang), or the sensors' link to it
//       blackholed (a partition; the consoles still reach each other);
//   to-active: t0 → the secondary's /api/health says ACTIVE (polled every POLL_MS);
//   to-first-write: t0 → the answer to the first settings change the secondary acknowledges (the server
//       action updateConsoleName over HTTPS, tried again POLL_MS after each refusal);
//   then the fault ends (restart / SIGCONT / heal) and failback: that moment → the primary's health says
//       writable (active and holding the write lease) again; then the pair is waited back to steady state.
// A writer keeps changing the setting on whichever console holds the lease all along, and the agents' events
// and every write are recorded; at the end the invariant checkers (tests/support/history.ts) say whether any
// acknowledged event or committed setting was lost. Prints one JSON object on stdout; progress on stderr.
// Measurements, never thresholds: the targets are printed beside the figures, and only a loss (or another
// broken invariant) makes the exit code non-zero.

const ADDRESS_BLOCK = 200;
const POLL_MS = 50;
// How long anything may take before the run is given up as broken (not a measured bound).
const GIVE_UP_MS = 120_000;
// The detection floor: a sensor leaves after MISSES failed heartbeats, one per interval.
const FLOOR_SECONDS = (FAILOVER_TIMERS.HEARTBEAT_MS * MISSES) / 1000;
// Issue 9's goals (docs/architecture.md, "High availability: failover"; DESIGN.md §1).
const TARGETS = { crashMedianSeconds: 5, hangOrPartitionMedianSeconds: 10, ratioToFloor: 1.5 } as const;

const FAULTS = {
  kill9: { describe: 'kill -9 of the primary console', target: TARGETS.crashMedianSeconds },
  stop: { describe: 'SIGSTOP of the primary console (hung; its PostgreSQL runs on)', target: TARGETS.hangOrPartitionMedianSeconds },
  partition: {
    describe: 'sensors↔primary link blackholed both ways (the consoles still reach each other)',
    target: TARGETS.hangOrPartitionMedianSeconds,
  },
} as const;
type FaultKind = keyof typeof FAULTS;

// The simulated fleet runs all its sensors in one process, with one limit of requests in flight per console
// (sensor/fleet.ts, --max-sockets, by default count/40). A heartbeat or probe waits for a slot at most its
// timeout, so a hung console costs misses at the heartbeat rate and cannot starve the other console's
// heartbeats; but with the default, a hang still lets uploads and probes to the hung console hold most of
// its slots, and sensors queue behind one another as they never would on their own. Real sensors are
// separate devices: each gets room for a heartbeat, a probe and an upload at once, within the agent's bound.
const agentMaxSockets = (sensors: number) => Math.min(4096, 4 * sensors);

const log = (message: string) => process.stderr.write(`bench failover: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => round(ms / 1000);

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== 'failover'),
    options: {
      quick: { type: 'boolean' },
      sensors: { type: 'string' },
      runs: { type: 'string' },
      'events-per-minute': { type: 'string' },
      faults: { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const sensors = Number(values.sensors ?? 50);
  const runs = Number(values.runs ?? (quick ? 2 : 10));
  const eventsPerMinute = Number(values['events-per-minute'] ?? 6);
  const faults = (values.faults ?? Object.keys(FAULTS).join(',')).split(',') as FaultKind[];
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (!whole(sensors, 2, 5000) || !whole(runs, 1, 1000) || !whole(eventsPerMinute, 1, 600) || !faults.every((f) => f in FAULTS))
    throw new Error(
      'usage: npm run bench -- failover [--quick] [--sensors 2–5000] [--runs 1–1000] [--events-per-minute 1–600] [--faults kill9,stop,partition] [--keep]',
    );
  return { quick, sensors, runs, eventsPerMinute, faults, keep: values.keep ?? false };
}

// Nearest-rank percentile: always one of the measured values.
function figures(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  if (sorted.length === 0) return null;
  return { n: sorted.length, median: round(pct(50)), p95: round(pct(95)), min: round(sorted[0]!), max: round(sorted.at(-1)!) };
}

type Run = {
  fault: FaultKind;
  run: number;
  toActiveSeconds: number | null;
  // From the secondary's own ha.takeover audit record (its wall clock; same machine): no polling in it.
  toTakeoverAuditSeconds: number | null;
  toFirstWriteSeconds: number | null;
  // Whether the first acknowledged write waited for the peer (replication pending) or not.
  firstWriteDetail: string | null;
  refusedBeforeFirstWrite: number;
  termAfterTakeover: number | null;
  // The restart / SIGCONT / heal itself (a restart boots a whole console).
  recoverSeconds: number | null;
  failbackSeconds: number | null;
  steadyAgainSeconds: number | null;
  error?: string;
};

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = GIVE_UP_MS): Promise<T> {
  const deadline = observerNow() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (observerNow() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

// Steady: the primary active and writable, the secondary on standby, every sensor heard by the primary (and,
// sensors heartbeating one console at a time, none by the secondary); then one vote window more, so that no
// vote the secondary counted is still fresh when the next fault begins.
async function steadyState(pair: HaPair, sensors: number) {
  await until('the pair back to steady state', async () => {
    const [p, s] = [await pair.health('primary'), await pair.health('secondary')];
    if (p?.state !== 'ACTIVE' || p.writable !== true || s?.state !== 'STANDBY') return false;
    return (await pair.connectedSensors('primary')) === sensors && (await pair.connectedSensors('secondary')) === 0;
  });
  await sleep(FAILOVER_TIMERS.VOTE_FRESH_MS);
}

async function inject(pair: HaPair, fault: FaultKind) {
  if (fault === 'kill9') await pair.kill9('primary');
  else if (fault === 'stop') pair.stop('primary');
  else await pair.partition(['sensors-primary'], { mode: 'blackhole' });
}

async function recover(pair: HaPair, fault: FaultKind) {
  if (fault === 'kill9') await pair.restart('primary');
  else if (fault === 'stop') pair.cont('primary');
  else await pair.heal();
}

async function takeoverAuditAt(pair: HaPair, after: number): Promise<{ at: number; term: number | null } | null> {
  const audit = (await pair.roleAudits('secondary')).find((a) => a.action === 'ha.takeover' && a.at >= after - 1000);
  if (!audit) return null;
  return { at: audit.at, term: typeof audit.details.term === 'number' ? audit.details.term : null };
}

// The run is added to `runs` before it starts, so that one the pair never recovers from is reported too.
async function oneRun(pair: HaPair, fault: FaultKind, run: number, sensors: number, runs: Run[]): Promise<Run> {
  const result: Run = {
    fault,
    run,
    toActiveSeconds: null,
    toTakeoverAuditSeconds: null,
    toFirstWriteSeconds: null,
    firstWriteDetail: null,
    refusedBeforeFirstWrite: 0,
    termAfterTakeover: null,
    recoverSeconds: null,
    failbackSeconds: null,
    steadyAgainSeconds: null,
  };
  runs.push(result);
  let faulted = false;
  // Set when one of the two measurements gives up, so that the other one stops too.
  let abandoned = false;
  const measuring = <T>(what: string, probe: () => Promise<T | null>) =>
    until(what, () => (abandoned ? Promise.reject(new Error('abandoned')) : probe())).catch((error: unknown) => {
      abandoned = true;
      throw error;
    });
  try {
    const t0 = observerNow();
    await inject(pair, fault);
    faulted = true;
    const [activeAt, firstWrite] = await Promise.all([
      measuring('the secondary to say ACTIVE', async () => {
        const h = await pair.health('secondary');
        if (h?.state !== 'ACTIVE') return null;
        result.termAfterTakeover = h.term ?? null;
        return observerNow();
      }),
      measuring('a settings change acknowledged by the secondary', async () => {
        const write = await pair.writeSetting('secondary');
        if (write.outcome === 'acknowledged') return write;
        result.refusedBeforeFirstWrite++;
        return null;
      }),
    ]);
    result.toActiveSeconds = seconds(activeAt - t0);
    result.toFirstWriteSeconds = seconds(firstWrite.endedAt - t0);
    result.firstWriteDetail = firstWrite.detail ?? null;
    const audit = await takeoverAuditAt(pair, t0);
    if (audit) result.toTakeoverAuditSeconds = seconds(audit.at - t0);

    const r0 = observerNow();
    await recover(pair, fault);
    faulted = false;
    result.recoverSeconds = seconds(observerNow() - r0);
    await until('the primary writable again', async () => (await pair.health('primary'))?.writable === true);
    result.failbackSeconds = seconds(observerNow() - r0);
    await steadyState(pair, sensors);
    result.steadyAgainSeconds = seconds(observerNow() - r0);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`  ${fault} run ${run}: ${result.error}`);
    if (faulted) await recover(pair, fault).catch(() => undefined);
    // A pair that does not come back ends the benchmark (the caller reports what was measured).
    await steadyState(pair, sensors);
  }
  return result;
}

function summary(runs: Run[], fault: FaultKind) {
  const of = (pick: (r: Run) => number | null) => figures(runs.map(pick).filter((v): v is number => v !== null));
  const toActive = of((r) => r.toActiveSeconds);
  const ratio = toActive ? round(toActive.median / FLOOR_SECONDS) : null;
  return {
    fault: FAULTS[fault].describe,
    runs: runs.length,
    failedRuns: runs.filter((r) => r.error).length,
    toActiveSeconds: toActive,
    toTakeoverAuditSeconds: of((r) => r.toTakeoverAuditSeconds),
    toFirstWriteSeconds: of((r) => r.toFirstWriteSeconds),
    medianToActiveOverFloor: ratio,
    failbackSeconds: of((r) => r.failbackSeconds),
    recoverSeconds: of((r) => r.recoverSeconds),
    target: {
      toActiveMedianSeconds: `≤ ${FAULTS[fault].target}`,
      medianToActiveOverFloor: `≤ ${TARGETS.ratioToFloor}`,
      met: toActive !== null && ratio !== null && toActive.median <= FAULTS[fault].target && ratio <= TARGETS.ratioToFloor,
    },
  };
}

export async function benchFailover(): Promise<void> {
  const opts = options();
  // stdout carries the JSON alone; the harness says on console.log where it kept a pair's directories.
  console.log = (...args: unknown[]) => log(args.map(String).join(' '));
  if (!existsSync('.next/BUILD_ID')) throw new Error('.next/BUILD_ID is missing: run `npm run build` first');
  const startedAt = observerNow();
  log(
    `starting a pair with ${opts.sensors} sensors (${opts.eventsPerMinute} events a minute each) on 127.0.0.${ADDRESS_BLOCK + 1}–${ADDRESS_BLOCK + 9}`,
  );
  const pair = await startHaPair({
    sensors: opts.sensors,
    eventsPerMinute: opts.eventsPerMinute,
    addressBlock: ADDRESS_BLOCK,
    agentMaxSockets: agentMaxSockets(opts.sensors),
  });
  const interrupt = () => void pair.close({ keep: opts.keep }).finally(() => process.exit(130));
  process.on('SIGINT', interrupt);
  let keep = opts.keep;
  try {
    await pair.waitWritable('primary', GIVE_UP_MS);
    log(`pair up in ${seconds(observerNow() - startedAt)} s; waiting for steady state`);
    await steadyState(pair, opts.sensors);
    const setupSeconds = seconds(observerNow() - startedAt);

    // The state of both consoles sampled all along (for the one-writer and terms checks, and for the writer to
    // follow the lease). Not the harness's startSampler: that also reads every agent's outbox each time, in
    // this process, which carries the fault proxies; the outboxes are read once, when the agents stop.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await pair.sampleOnce(async (name) => {
          const h = await pair.health(name);
          return h?.writable === undefined ? null : { leaseHeld: h.writable };
        });
        await sleep(250);
      }
    })();
    // A person changing a setting on whichever console took changes last, every half second; a console known
    // to be down is left alone (its tries would only add 'unknown' writes, which weaken the settings check).
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const target: SideName = pair.writableConsole();
        if (pair.sides[target].process === 'running') await pair.writeSetting(target);
        await sleep(500);
      }
    })();

    const runs: Run[] = [];
    try {
      for (let i = 1; i <= opts.runs; i++)
        for (const fault of opts.faults) {
          log(`${fault} run ${i} of ${opts.runs}`);
          const run = await oneRun(pair, fault, i, opts.sensors, runs);
          log(
            `  active ${run.toActiveSeconds} s (audit ${run.toTakeoverAuditSeconds} s), first write ${run.toFirstWriteSeconds} s, failback ${run.failbackSeconds} s`,
          );
        }
    } catch (error) {
      // The pair did not come back to steady state: what was measured is still reported.
      log(`runs ended early: ${error instanceof Error ? error.message : String(error)}`);
      keep = true;
    }

    writing = false;
    await writer;
    sampling = false;
    await sampler;
    log('stopping the agents; reading their outboxes; waiting for both consoles to stand at the same journal position');
    await pair.stopAgents(pair.agents);
    const termProblems = await pair.attachTerms();
    const digests = await pair.digests(120).catch((error: unknown) => error as Error);
    const { history } = pair;
    const events = { primary: await pair.finalEvents('primary'), secondary: await pair.finalEvents('secondary') };
    const settings = { primary: await pair.finalSettings('primary'), secondary: await pair.finalSettings('secondary') };
    const lostEvents = {
      primary: noAcknowledgedEventLost(history, events.primary),
      secondary: noAcknowledgedEventLost(history, events.secondary),
    };
    const lostSettings = {
      primary: noCommittedSettingLost(history, settings.primary),
      secondary: noCommittedSettingLost(history, settings.secondary),
    };
    const duplicates = { primary: noDuplicateEvents(events.primary), secondary: noDuplicateEvents(events.secondary) };
    const writers = atMostOneWriter(history);
    const terms = termsOnlyGrow(history.samples);
    const drift = digests instanceof Error ? [digests.message] : converged(digests.primary, digests.secondary);
    const count = (o: Record<SideName, string[]>) => o.primary.length + o.secondary.length;
    const acknowledgedEvents = new Set(history.events.map((e) => `${e.sensor}#${e.seq}`)).size;
    const losses = {
      acknowledgedEvents,
      acknowledgedEventsLost: { primary: lostEvents.primary.length, secondary: lostEvents.secondary.length },
      settingsWrites: {
        acknowledged: history.writes.filter((w) => w.outcome === 'acknowledged').length,
        refused: history.writes.filter((w) => w.outcome === 'refused').length,
        unknown: history.writes.filter((w) => w.outcome === 'unknown').length,
      },
      committedSettingsLost: { primary: lostSettings.primary.length, secondary: lostSettings.secondary.length },
      duplicateEvents: { primary: duplicates.primary.length, secondary: duplicates.secondary.length },
      oneWriterViolations: writers.length,
      termDecreases: terms.length,
      acknowledgedWritesWithoutJournalRecord: termProblems.length,
      driftAtEnd: drift.length,
      // The first few sentences of every violation, to start a post-mortem from.
      violations: [
        ...lostEvents.primary,
        ...lostEvents.secondary,
        ...lostSettings.primary,
        ...lostSettings.secondary,
        ...duplicates.primary,
        ...duplicates.secondary,
        ...writers,
        ...terms,
        ...termProblems,
        ...drift,
      ].slice(0, 20),
    };
    const lost = count(lostEvents) + count(lostSettings);
    const broken = lost + count(duplicates) + writers.length + terms.length + termProblems.length + drift.length;
    if (broken > 0 || runs.some((r) => r.error)) keep = true;

    const result = {
      benchmark: 'failover',
      machine: { cpus: os.cpus().length, node: process.version },
      note: "Two whole consoles, their PostgreSQL servers, the fault proxies (in this process) and the agents share this machine. t0 is just before the fault is made. to-active: the first /api/health of the secondary saying ACTIVE (polled every pollMs, so up to pollMs late); toTakeoverAudit: the secondary's own ha.takeover audit record (its clock, same machine). to-first-write: the answer to the first settings change (updateConsoleName over HTTPS) the secondary acknowledged; the primary being gone, it answers at once that replication is pending (firstWriteDetail). failback: from the end of the fault (restart called / SIGCONT / heal) to the primary's health saying writable; for kill9 it includes booting the console (recoverSeconds). Detection floor = heartbeat interval × misses; a sensor then waits the leave window from its last answer and is confirmed after the confirmation period.",
      settings: {
        quick: opts.quick,
        agentMaxSockets: agentMaxSockets(opts.sensors),
        sensors: opts.sensors,
        runsPerFault: opts.runs,
        eventsPerMinutePerSensor: opts.eventsPerMinute,
        faults: opts.faults,
        pollMs: POLL_MS,
      },
      timers: {
        heartbeatMs: FAILOVER_TIMERS.HEARTBEAT_MS,
        misses: MISSES,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
        leaveAfterMs: LEAVE_AFTER_MS,
        confirmMs: FAILOVER_TIMERS.CONFIRM_MS,
        voteFreshMs: FAILOVER_TIMERS.VOTE_FRESH_MS,
        tickMs: FAILOVER_TIMERS.TICK_MS,
        probeMs: FAILOVER_TIMERS.PROBE_MS,
        probeSuccesses: FAILOVER_TIMERS.PROBE_SUCCESSES,
        detectionFloorSeconds: FLOOR_SECONDS,
      },
      setupSeconds,
      totalSeconds: seconds(observerNow() - startedAt),
      byFault: Object.fromEntries(
        opts.faults.map((f) => [
          f,
          summary(
            runs.filter((r) => r.fault === f),
            f,
          ),
        ]),
      ),
      losses,
      verdict: broken === 0 ? 'no loss, no invariant broken' : `${lost} losses, ${broken - lost} other invariant violations`,
      runs,
      keptForInspection: keep ? pair.root : null,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (broken > 0) process.exitCode = 1;
  } finally {
    process.off('SIGINT', interrupt);
    await pair.close({ keep });
  }
}
