import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, tallyPlaywright, tallyVitest, type PlaywrightReport, type VitestReport } from '../../scripts/lib/tally.ts';

// The gate is proven against what the real runners write for a suite broken on purpose
// (tests/fixtures/runner), not against hand-written JSON.
const FIXTURE = 'tests/fixtures/runner';
const out = mkdtempSync(path.join(tmpdir(), 'otc-tally-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// The outer Vitest's variables would make the inner runner think it is a worker of this run.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k))) as NodeJS.ProcessEnv;

function runVitest(name: string, filters: string[]): { report: VitestReport; exit: number | null } {
  const file = path.join(out, `${name}.json`);
  const result = spawnSync(
    'node_modules/.bin/vitest',
    ['run', '--config', `${FIXTURE}/vitest.config.ts`, '--reporter=json', `--outputFile.json=${file}`, ...filters],
    { env: { ...childEnv, FORCE_COLOR: '0' }, encoding: 'utf8' },
  );
  return { report: JSON.parse(readFileSync(file, 'utf8')) as VitestReport, exit: result.status };
}

function runPlaywright(name: string, filters: string[]): { report: PlaywrightReport; exit: number | null } {
  const file = path.join(out, `${name}.json`);
  const result = spawnSync('node_modules/.bin/playwright', ['test', '--config', `${FIXTURE}/playwright.config.ts`, ...filters], {
    env: { ...childEnv, FORCE_COLOR: '0', PLAYWRIGHT_JSON_OUTPUT_NAME: file },
    encoding: 'utf8',
  });
  return { report: JSON.parse(readFileSync(file, 'utf8')) as PlaywrightReport, exit: result.status };
}

describe('Vitest runs', () => {
  const broken = runVitest('vitest-broken', []);
  const clean = runVitest('vitest-clean', ['passes.case']);

  it('a broken suite fails the gate, naming every way it broke', () => {
    const tally = tallyVitest('unit', broken.report, broken.exit);
    expect(summarize([tally]).ok).toBe(false);
    expect(tally.passed).toBe(2); // passes.case.ts and the one test in skipped.case.ts that runs
    expect(tally.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FILE ERROR \(failed\): tests\/fixtures\/runner\/before-all-throws\.case\.ts: the console did not start$/),
        expect.stringMatching(/^FILE ERROR \(failed\): tests\/fixtures\/runner\/top-level-await-throws\.case\.ts: top-level setup failed$/),
        'SKIPPED: tests/fixtures/runner/skipped.case.ts › is skipped',
        'TODO: tests/fixtures/runner/skipped.case.ts › is only planned',
        'SKIPPED: tests/fixtures/runner/before-all-throws.case.ts › would pass if it ran',
      ]),
    );
    // Two file-level errors, two tests that never ran behind the throwing beforeAll, one skip, one todo.
    expect(tally.failed).toBe(6);
  });

  it('each broken file fails the gate on its own, with no failing assertion anywhere', () => {
    for (const file of ['before-all-throws.case', 'top-level-await-throws.case', 'skipped.case']) {
      const { report, exit } = runVitest(`vitest-${file}`, [file]);
      expect(
        report.testResults.flatMap((f) => f.assertionResults).filter((a) => a.status === 'failed'),
        file,
      ).toEqual([]);
      const verdict = summarize([tallyVitest('unit', report, exit)]);
      expect(verdict.ok, file).toBe(false);
      expect(verdict.lines.at(-1), file).toMatch(/^\d+ passed, [1-9]\d* failed$/);
    }
  });

  it('a clean run passes the gate', () => {
    expect(clean.exit).toBe(0);
    const verdict = summarize([tallyVitest('unit', clean.report, clean.exit)]);
    expect(verdict).toEqual({ ok: true, lines: ['  unit         1 passed, 0 failed', '1 passed, 0 failed'] });
  });

  it('a non-zero runner exit fails the gate even when the report is clean', () => {
    const tally = tallyVitest('unit', clean.report, 1);
    expect(summarize([tally]).ok).toBe(false);
    expect(tally.problems).toEqual(['Vitest exited with 1 although its report shows no failing test']);
  });

  it('a missing report fails the gate', () => {
    expect(summarize([tallyVitest('unit', null, 0)]).ok).toBe(false);
  });
});

describe('Playwright runs', () => {
  it('skipped and fixme tests fail the gate although Playwright itself exits 0', () => {
    const { report, exit } = runPlaywright('pw-skipped', ['skipped.pw.ts', 'passes.pw.ts']);
    expect(exit).toBe(0);
    const tally = tallyPlaywright('e2e', report, exit);
    expect(summarize([tally]).ok).toBe(false);
    expect(tally).toMatchObject({ passed: 2, failed: 2 });
    expect(tally.problems).toEqual(['SKIPPED: skipped.pw.ts:4 › is skipped', 'SKIPPED: skipped.pw.ts:5 › is marked fixme']);
  });

  it('a spec that fails to load fails the gate', () => {
    const { report, exit } = runPlaywright('pw-load-error', ['load-error.pw.ts']);
    const tally = tallyPlaywright('e2e', report, exit);
    expect(summarize([tally]).ok).toBe(false);
    expect(tally.problems).toContain('ERROR outside a test: Error: spec module failed to load');
  });

  it('a clean run passes the gate', () => {
    const { report, exit } = runPlaywright('pw-clean', ['passes.pw.ts']);
    expect(summarize([tallyPlaywright('e2e', report, exit)])).toEqual({
      ok: true,
      lines: ['  e2e          1 passed, 0 failed', '1 passed, 0 failed'],
    });
  });
});
