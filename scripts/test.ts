// `npm test`: every suite, in order, against real parts — lint and typecheck, a production build, unit
// and integration tests (Vitest, real PostgreSQL, real consoles), then end-to-end tests (Playwright, real
// Chromium). Ends with one summary line per suite and a total `N passed, N failed`; anything that did not
// run and pass (a skip, a file-level error, a runner's non-zero exit) fails the run (scripts/lib/tally.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import {
  summarize,
  tallyCommand,
  tallyPlaywright,
  tallyVitest,
  type PlaywrightReport,
  type SuiteTally,
  type VitestReport,
} from './lib/tally.ts';

const tallies: SuiteTally[] = [];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.CI ? '0' : '1' };

function run(title: string, command: string, args: string[]): number | null {
  process.stdout.write(`\n━━ ${title}: ${command} ${args.join(' ')}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  process.stdout.write(
    `━━ ${title} finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${result.status ?? result.signal})\n`,
  );
  return result.status;
}

function readJson<T>(file: string): T | null {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
  } catch {
    return null; // a truncated report counts as no report
  }
}

mkdirSync('test-results', { recursive: true });
for (const f of ['test-results/vitest-unit.json', 'test-results/vitest-integration.json', 'test-results/e2e.json'])
  rmSync(f, { force: true });

tallies.push(tallyCommand('lint', run('Lint and typecheck', 'npm', ['run', '--silent', 'lint'])));
// The integration tests boot whole consoles, which serve the production build.
const build = tallyCommand('build', run('Production build', 'node_modules/.bin/next', ['build']));
tallies.push(build);

// One Vitest run per suite, so that each runner's exit status belongs to exactly one suite.
for (const [suite, title] of [
  ['unit', 'Unit tests'],
  ['integration', 'Integration tests'],
] as const) {
  const report = `test-results/vitest-${suite}.json`;
  const exit = run(title, 'node_modules/.bin/vitest', [
    'run',
    '--project',
    suite,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  tallies.push(tallyVitest(suite, readJson<VitestReport>(report), exit));
}

if (build.failed === 0) {
  const exit = run('End-to-end tests', 'node_modules/.bin/playwright', ['test']);
  tallies.push(tallyPlaywright('e2e', readJson<PlaywrightReport>('test-results/e2e.json'), exit));
} else {
  tallies.push({ suite: 'e2e', passed: 0, failed: 1, problems: ['not run: the production build failed'] });
}

const verdict = summarize(tallies);
process.stdout.write(`\n━━ Summary\n${verdict.lines.join('\n')}\n`);
process.exit(verdict.ok ? 0 : 1);
