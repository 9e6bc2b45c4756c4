import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, onTestFailed } from 'vitest';
import type { HaPair, SideName } from './ha-pair.ts';
import {
  atMostOneWriter,
  converged,
  noAcknowledgedEventLost,
  noCommittedSettingLost,
  noDuplicateEvents,
  observerNow,
  roleChanges,
  termsOnlyGrow,
  type RoleChange,
} from './history.ts';
import { waitFor } from './wait-for.ts';

// What every scenario of the fault suite shares: the invariants over the recorded history, checked once
// traffic has stopped, and the waits a scenario is made of.

// Every invariant of issue 9 over the whole history, with both consoles' final state: no acknowledged
// event lost or duplicated, no committed setting lost, at most one writer at any instant and per term
// (each acknowledged write's term read from the journal of the console that acknowledged it), terms only
// grow, and both consoles hold the same digest once settled.
export async function expectInvariants(pair: HaPair) {
  const { history } = pair;
  // The digests first: the drift check waits until both consoles stand at the same journal position, so the
  // rows read after it are the settled state, not a console still catching up after a restart.
  const digests = await pair.digests();
  expect(await pair.attachTerms(), 'acknowledged writes and their journal records').toEqual([]);
  const [rowsA, rowsB] = [await pair.finalEvents('primary'), await pair.finalEvents('secondary')];
  const [settingsA, settingsB] = [await pair.finalSettings('primary'), await pair.finalSettings('secondary')];
  expect(noAcknowledgedEventLost(history, rowsA), 'events on the primary').toEqual([]);
  expect(noAcknowledgedEventLost(history, rowsB), 'events on the secondary').toEqual([]);
  expect(noDuplicateEvents(rowsA), 'the primary').toEqual([]);
  expect(noDuplicateEvents(rowsB), 'the secondary').toEqual([]);
  expect(noCommittedSettingLost(history, settingsA), 'settings on the primary').toEqual([]);
  expect(noCommittedSettingLost(history, settingsB), 'settings on the secondary').toEqual([]);
  expect(atMostOneWriter(history)).toEqual([]);
  expect(termsOnlyGrow(history.samples)).toEqual([]);
  expect(converged(digests.primary, digests.secondary)).toEqual([]);
}

// Writes offered to both consoles at once, as two people would at two browsers: one console at a time
// may acknowledge them, which is what atMostOneWriter checks.
export function startWriters(pair: HaPair, pauseMs = 200) {
  const writers = (['primary', 'secondary'] as const).map((name) => pair.startWriter(() => name, pauseMs));
  return { stop: () => Promise.all(writers.map((w) => w.stop())) };
}

export const acknowledgedOn = (pair: HaPair, name: SideName, after = 0) =>
  pair.history.writes.filter((w) => w.outcome === 'acknowledged' && w.console === name && w.startedAt > after);

// Until `name` is active and accepts writes (its health says writable), returning when it was first seen so.
export async function waitActive(pair: HaPair, name: SideName, timeoutMs = 60_000): Promise<number> {
  await waitFor(
    `the ${name} to be active and accept changes`,
    async () => {
      const health = await pair.health(name);
      return health?.state === 'ACTIVE' && health.writable === true;
    },
    timeoutMs,
  );
  return observerNow();
}

// Until a write on `name` started after `after` has been acknowledged.
export async function waitAcknowledged(pair: HaPair, name: SideName, after: number, timeoutMs = 30_000) {
  await waitFor(`a write acknowledged by the ${name}`, () => acknowledgedOn(pair, name, after).length > 0, timeoutMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One scenario of the suite: traffic (events from the agents, writes offered to both consoles) around
// `run`, until the primary leads again with every sensor back and has acknowledged a last write; then
// traffic stops and every invariant is checked on the whole history. Returns the role changes sampled
// from the scenario's start.
export async function runScenario(pair: HaPair, sensors: number, run: () => Promise<void>): Promise<RoleChange[]> {
  // On a CI machine the data directories are gone after the run: the consoles' own account of the roles
  // goes to the test output when the scenario fails (or times out).
  onTestFailed(() => console.error(haLogTails(pair)));
  const sampler = pair.startSampler();
  const writers = startWriters(pair);
  const from = observerNow();
  try {
    await waitAcknowledged(pair, 'primary', from - 60_000);
    await run();
    const back = await waitActive(pair, 'primary', 90_000);
    await waitAcknowledged(pair, 'primary', back);
  } finally {
    await writers.stop();
    await sampler.stop();
  }
  await waitFor(`${sensors} sensors back on the primary`, async () => (await pair.connectedSensors('primary')) === sensors, 60_000);
  await expectInvariants(pair);
  return roleChanges(pair.history.samples.filter((s) => s.at >= from));
}

// The last lines of each console's HA log (logs/ha.log, one JSON object a line), as time, pid and message.
function haLogTails(pair: HaPair, lines = 40): string {
  return (['primary', 'secondary'] as const)
    .map((name) => {
      const file = path.join(pair.sides[name].dataDir, 'logs', 'ha.log');
      if (!existsSync(file)) return `${name}: no ${file}`;
      const tail = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
      const shown = tail.map((line) => {
        try {
          const {
            level: _level,
            hostname: _host,
            category: _category,
            time,
            pid,
            msg,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          return `  ${String(time)} ${String(pid)} ${String(msg)} ${JSON.stringify(rest)}`;
        } catch {
          return `  ${line}`;
        }
      });
      return [`${name} ${file}:`, ...shown].join('\n');
    })
    .join('\n');
}
