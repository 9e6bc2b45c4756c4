import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { startHaPair, type HaPair, type SideName } from '../support/ha-pair.ts';
import { observerNow } from '../support/history.ts';
import { request } from '../support/https.ts';
import { queryOn } from '../support/paired-consoles.ts';
import { postgresOf } from '../support/processes.ts';
import { waitFor } from '../support/wait-for.ts';

// The fault suite's own faults do what they say (tests/support/ha-pair.ts), on today's consoles: a clock
// jumped by libfaketime moves the console's wall clock and its database's, SIGSTOP stops a console from
// answering, and a console killed with SIGKILL — whose PostgreSQL lives on, orphaned — starts again.

let pair: HaPair;

beforeAll(async () => {
  pair = await startHaPair({ sensors: 2, eventsPerMinute: 60, clockFaults: ['secondary'] });
}, 180_000);

afterAll(async () => {
  await pair?.close();
}, 120_000);

const health = (name: SideName, timeoutMs = 10_000) =>
  request(`${pair.sides[name].url}/api/health`, { ca: pair.sides[name].ca, timeoutMs });
// The console's wall clock, from the Date header its HTTP server writes, and its database's.
const consoleClock = async (name: SideName) => Date.parse(String((await health(name)).headers.date));
const databaseClock = async (name: SideName) =>
  Number(
    (await queryOn<{ ms: string }>(pair.sides[name], 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms'))[0]!.ms,
  );
const MINUTE = 60_000;

describe('the harness faults', () => {
  it('jumpClock moves the wall clock of the console and of its PostgreSQL, and back', async () => {
    const offset = async (clock: () => Promise<number>) => (await clock()) - Date.now();
    const shifted = (minutes: number) => async (clock: () => Promise<number>) =>
      Math.abs((await offset(clock)) - minutes * MINUTE) < MINUTE;
    expect(await shifted(0)(() => databaseClock('secondary'))).toBe(true);
    pair.jumpClock('secondary', '+5m');
    // The database reads the clock for every statement; Node's HTTP server writes a Date header it
    // recomputes once a second.
    expect(await shifted(5)(() => databaseClock('secondary'))).toBe(true);
    await waitFor('the console to date its answers 5 minutes ahead', () => shifted(5)(() => consoleClock('secondary')));
    // The other console's clock is its own.
    expect(await shifted(0)(() => consoleClock('primary'))).toBe(true);
    pair.jumpClock('secondary', '+0');
    expect(await shifted(0)(() => databaseClock('secondary'))).toBe(true);
    await waitFor('the console to date its answers truly again', () => shifted(0)(() => consoleClock('secondary')));
    expect(() => pair.jumpClock('primary', '+5m')).toThrow(/was not started with clockFaults/);
  });

  it('stop leaves a console unanswering until cont', async () => {
    pair.stop('secondary');
    try {
      await expect(health('secondary', 1500)).rejects.toThrow(/no answer/);
    } finally {
      pair.cont('secondary');
    }
    expect((await health('secondary')).status).toBe(200);
  });

  it('after kill9 the orphaned PostgreSQL still serves; restart stops it and the console comes back with its data', async () => {
    const primary = pair.sides.primary;
    const cluster = clusterDirOf(primary.dataDir, readCredentials(primary.dataDir));
    const before = postgresOf(cluster).map((p) => p.pid);
    expect(before.length).toBeGreaterThan(0);
    const { id } = (await queryOn<{ id: string }>(primary, 'SELECT appliance_id::text AS id FROM appliance'))[0]!;

    await pair.kill9('primary');
    await expect(health('primary', 1500)).rejects.toThrow();
    // The killed console's database outlives it and still answers with what it persisted.
    expect(postgresOf(cluster).map((p) => p.pid)).toEqual(before);
    await pair.sampleOnce();
    expect(pair.history.samples.at(-1)).toBeDefined();
    expect(pair.history.samples.filter((s) => s.console === 'primary').at(-1)).toMatchObject({ process: 'dead', mode: 'ACTIVE' });

    const restartedAt = observerNow();
    await pair.restart('primary');
    expect((await health('primary')).status).toBe(200);
    const after = postgresOf(cluster).map((p) => p.pid);
    expect(after.length).toBe(1);
    expect(before).not.toContain(after[0]);
    // Its data is back; whether it is still the active console depends on whether its sensors failed over
    // to the secondary while it was down (the fault suite checks that; here the harness is under test).
    expect(await queryOn(primary, 'SELECT appliance_id::text AS id, configured_role FROM appliance')).toEqual([
      { id, configured_role: 'PRIMARY' },
    ]);
    expect(path.basename(primary.running!.logFile)).toBe('console-2.out');
    // The pair serves writes (on the console that leads now) and sensors again.
    const writable = await waitFor(
      'a writable console',
      async () => {
        const says = async (name: SideName) => (await health(name).catch(() => ({ body: '' }))).body.includes('"writable":true');
        return (await says('primary')) ? ('primary' as const) : (await says('secondary')) ? ('secondary' as const) : null;
      },
      60_000,
    );
    expect(await pair.writeSetting(writable)).toMatchObject({ outcome: 'acknowledged' });
    await waitFor(
      'both sensors connected to a console',
      async () => (await pair.connectedSensors('primary')) + (await pair.connectedSensors('secondary')) >= 2,
      30_000,
    );
    expect(pair.history.writes.filter((w) => w.startedAt > restartedAt && w.outcome === 'acknowledged').length).toBeGreaterThan(0);
  }, 90_000);
});
