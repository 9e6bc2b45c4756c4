import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The integration suite's exit status must be Vitest's verdict. It was not: the PostgreSQL library's exit
// hooks, loaded into Vitest's main process by the global setup, ended every run with status 0. Runs
// the real global setup (a real PostgreSQL) around the fixtures in tests/fixtures/runner.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k))) as NodeJS.ProcessEnv;

function runFixture(filter: string) {
  return spawnSync('node_modules/.bin/vitest', ['run', '--config', 'tests/fixtures/runner/vitest.postgres.config.ts', filter], {
    env: { ...childEnv, FORCE_COLOR: '0' },
    encoding: 'utf8',
  });
}

describe('the integration run with its PostgreSQL global setup', () => {
  it('exits non-zero when a test fails', () => {
    const run = runFixture('fails.pg-case');
    expect(run.stdout + run.stderr).toMatch(/1 failed/);
    expect(run.status).toBe(1);
  });

  it('exits 0 when every test passes', () => {
    const run = runFixture('passes.pg-case');
    expect(run.stdout + run.stderr).toMatch(/1 passed/);
    expect(run.status).toBe(0);
  });
});
