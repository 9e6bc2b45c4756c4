import path from 'node:path';

// Turns what a test runner reported into a verdict for `npm test`. The suite has no intended skips, so
// anything that did not run and pass is a failure: a skipped, pending or todo test, a file that failed
// before or around its tests (a `beforeAll` that throws, a top-level `await` that rejects), a runner
// that exited non-zero, a report that is missing, a suite that ran nothing. Pure: no I/O.

export type SuiteTally = {
  suite: string;
  passed: number;
  failed: number;
  /** One line per reason for a failure that a failing test does not already show (printed under the summary). */
  problems: string[];
};

export type VitestReport = {
  success?: boolean;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { status: string; fullName?: string; title?: string }[];
  }[];
};

type PlaywrightTest = { status: string; projectName?: string };
type PlaywrightSpec = { title: string; file?: string; line?: number; tests?: PlaywrightTest[] };
type PlaywrightSuite = { title?: string; file?: string; specs?: PlaywrightSpec[]; suites?: PlaywrightSuite[] };
export type PlaywrightReport = {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  suites?: PlaywrightSuite[];
  errors?: { message?: string }[];
};

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim() || '(no message)';
}

// The runner's own exit status is the last word: whatever the report says, non-zero is a failure.
function withExitStatus(tally: SuiteTally, runner: string, exitCode: number | null): SuiteTally {
  if (exitCode === 0) return tally;
  if (tally.failed === 0) {
    tally.failed = 1;
    tally.problems.push(`${runner} exited with ${exitCode ?? 'a signal'} although its report shows no failing test`);
  }
  return tally;
}

function withSomethingRun(tally: SuiteTally): SuiteTally {
  if (tally.passed + tally.failed === 0) {
    tally.failed = 1;
    tally.problems.push('no test ran');
  }
  return tally;
}

/** Lint, typecheck, build: a command that passes or fails as a whole. */
export function tallyCommand(suite: string, exitCode: number | null): SuiteTally {
  const ok = exitCode === 0;
  return { suite, passed: ok ? 1 : 0, failed: ok ? 0 : 1, problems: ok ? [] : [`exited with ${exitCode ?? 'a signal'}`] };
}

export function tallyVitest(suite: string, report: VitestReport | null, exitCode: number | null, root = process.cwd()): SuiteTally {
  const tally: SuiteTally = { suite, passed: 0, failed: 0, problems: [] };
  if (!report) {
    tally.failed = 1;
    tally.problems.push(`Vitest wrote no JSON report (exit ${exitCode ?? 'by signal'})`);
    return tally;
  }
  for (const file of report.testResults) {
    const name = path.relative(root, file.name);
    let failedTests = 0;
    for (const test of file.assertionResults) {
      const title = test.fullName ?? test.title ?? '(untitled)';
      if (test.status === 'passed') tally.passed++;
      else if (test.status === 'failed') failedTests++;
      else {
        // skipped, pending, todo, disabled: never intended here.
        failedTests++;
        tally.problems.push(`${test.status.toUpperCase()}: ${name} › ${title}`);
      }
    }
    tally.failed += failedTests;
    // A failed file whose failure no test shows: an error in a hook or at the top level of the file.
    const fileFailed = file.status !== 'passed';
    const explained = file.assertionResults.some((t) => t.status === 'failed');
    if (fileFailed && !explained) {
      tally.failed++;
      tally.problems.push(`FILE ERROR (${file.status}): ${name}: ${firstLine(file.message)}`);
    }
  }
  // The totals cross-check the per-file walk, so that a status this module does not know cannot hide.
  const notRun = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const notRunListed = tally.problems.filter((p) => !p.startsWith('FILE ERROR')).length;
  if (notRun > notRunListed) {
    tally.failed += notRun - notRunListed;
    tally.problems.push(`${notRun - notRunListed} more test(s) reported pending or todo`);
  }
  if (report.success === false && tally.failed === 0) {
    tally.failed = 1;
    tally.problems.push('Vitest reported the run unsuccessful although no test failed');
  }
  return withSomethingRun(withExitStatus(tally, 'Vitest', exitCode));
}

function* specsOf(suites: PlaywrightSuite[] | undefined): Generator<PlaywrightSpec> {
  for (const suite of suites ?? []) {
    yield* suite.specs ?? [];
    yield* specsOf(suite.suites);
  }
}

export function tallyPlaywright(suite: string, report: PlaywrightReport | null, exitCode: number | null): SuiteTally {
  const tally: SuiteTally = { suite, passed: 0, failed: 0, problems: [] };
  if (!report) {
    tally.failed = 1;
    tally.problems.push(`Playwright wrote no JSON report (exit ${exitCode ?? 'by signal'})`);
    return tally;
  }
  const { expected, unexpected, flaky, skipped } = report.stats;
  tally.passed = expected;
  // Retries are off; a flaky result means a test failed once and must count as failed.
  tally.failed = unexpected + flaky + skipped;
  for (const spec of specsOf(report.suites)) {
    for (const test of spec.tests ?? []) {
      if (test.status === 'skipped' || test.status === 'flaky') {
        tally.problems.push(`${test.status.toUpperCase()}: ${spec.file ?? '?'}:${spec.line ?? '?'} › ${spec.title}`);
      }
    }
  }
  // Errors outside any test: global setup or teardown, a spec file that fails to load.
  for (const error of report.errors ?? []) {
    tally.failed++;
    tally.problems.push(`ERROR outside a test: ${firstLine(error.message)}`);
  }
  return withSomethingRun(withExitStatus(tally, 'Playwright', exitCode));
}

export type Verdict = { ok: boolean; lines: string[] };

/** A line per suite, the problems, then the total `N passed, N failed`; ok only when nothing failed. */
export function summarize(tallies: SuiteTally[]): Verdict {
  const lines = tallies.map((t) => `  ${t.suite.padEnd(12)} ${t.passed} passed, ${t.failed} failed`);
  const problems = tallies.flatMap((t) => t.problems.map((p) => `  ✗ ${t.suite}: ${p}`));
  if (problems.length) lines.push('', ...problems, '');
  const passed = tallies.reduce((n, t) => n + t.passed, 0);
  const failed = tallies.reduce((n, t) => n + t.failed, 0);
  lines.push(`${passed} passed, ${failed} failed`);
  return { ok: tallies.length > 0 && failed === 0, lines };
}
