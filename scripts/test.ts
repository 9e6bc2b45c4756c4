// `npm test`: every suite, in order, against real parts — lint and typecheck, a production build, unit
// and integration tests (Vitest, real PostgreSQL, real consoles), then end-to-end tests (Playwright, real
// Chromium).
// Ends with one summary line per suite and a total `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

type Tally = { suite: string; passed: number; failed: number; skipped: number; ran: boolean };
const tallies: Tally[] = [];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.CI ? '0' : '1' };

function run(title: string, command: string, args: string[]): boolean {
  process.stdout.write(`\n━━ ${title}: ${command} ${args.join(' ')}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  process.stdout.write(`━━ ${title} finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${result.status})\n`);
  return result.status === 0;
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}

mkdirSync('test-results', { recursive: true });
for (const f of ['test-results/vitest.json', 'test-results/e2e.json']) rmSync(f, { force: true });

const lintOk = run('Lint and typecheck', 'npm', ['run', '--silent', 'lint']);
// The integration tests boot whole consoles, which serve the production build.
const built = run('Production build', 'node_modules/.bin/next', ['build']);
tallies.push({ suite: 'lint', passed: lintOk ? 1 : 0, failed: lintOk ? 0 : 1, skipped: 0, ran: true });

run('Unit and integration tests', 'node_modules/.bin/vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
]);
type VitestJson = { testResults: { name: string; assertionResults: { status: string }[] }[] };
const vitest = readJson<VitestJson>('test-results/vitest.json');
for (const suite of ['unit', 'integration']) {
  const tally: Tally = { suite, passed: 0, failed: 0, skipped: 0, ran: vitest !== null };
  for (const file of vitest?.testResults ?? []) {
    const isIntegration = file.name.includes('/tests/integration/');
    if ((suite === 'integration') !== isIntegration) continue;
    for (const a of file.assertionResults) {
      if (a.status === 'passed') tally.passed++;
      else if (a.status === 'failed') tally.failed++;
      else tally.skipped++;
    }
  }
  // A suite that ran nothing has failed, whatever the runner's exit code said.
  if (tally.passed + tally.failed === 0) tally.failed = 1;
  tallies.push(tally);
}

if (built) {
  run('End-to-end tests', 'node_modules/.bin/playwright', ['test']);
  type PlaywrightJson = { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  const e2e = readJson<PlaywrightJson>('test-results/e2e.json');
  tallies.push({
    suite: 'e2e',
    passed: e2e?.stats.expected ?? 0,
    failed: e2e && e2e.stats.expected > 0 ? e2e.stats.unexpected + e2e.stats.flaky : Math.max(1, e2e?.stats.unexpected ?? 0),
    skipped: e2e?.stats.skipped ?? 0,
    ran: e2e !== null,
  });
} else {
  tallies.push({ suite: 'e2e', passed: 0, failed: 1, skipped: 0, ran: false });
}

process.stdout.write('\n━━ Summary\n');
for (const t of tallies) {
  process.stdout.write(
    `  ${t.suite.padEnd(12)} ${t.ran ? `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}` : 'did not run'}\n`,
  );
}
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed === 0 && tallies.every((t) => t.ran) ? 0 : 1);
