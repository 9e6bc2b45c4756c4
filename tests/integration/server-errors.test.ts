import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH } from '../../e2e/support/chromium.ts';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { isAlive } from '../../lib/runtime/process-alive.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';

// A page that fails on the server (here: its database went away under the running console) shows the
// user an error reference, and the core log holds the error under that same reference.
const HOST = '127.0.0.73';
let dataDir: string;
let running: RunningConsole | undefined;
let base: string;
let ca: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-server-errors-'));
  const port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: '' },
    { logFile: path.join(dataDir, 'console.out') },
  );
  base = `https://${HOST}:${port}`;
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await removeRelocatedCluster(dataDir);
  await rm(dataDir, { recursive: true, force: true });
});

type LogRecord = { msg: string; digest?: string; requestId?: string; path?: string; err?: { message: string; stack: string } };

const coreLog = (): LogRecord[] =>
  readFileSync(path.join(dataDir, 'logs/core.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogRecord);

async function browserPage(cookie: string) {
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const [name, value] = cookie.split(/=(.*)/s) as [string, string];
  await context.addCookies([{ name, value, url: base, secure: true, httpOnly: true, sameSite: 'Lax' }]);
  return { browser, page: await context.newPage() };
}

describe('an unhandled error in a page or a route', () => {
  it('shows an error reference that the core log records with the error', async () => {
    const signedIn = await signInOverHttps(base, ca, 'admin', running!.adminPassword!);
    if (!('cookie' in signedIn)) throw new Error(signedIn.error);
    const overview = await request(`${base}/`, { ca, headers: { cookie: signedIn.cookie } });
    expect(overview.status).toBe(200);

    const pid = Number(readFileSync(path.join(clusterDirOf(dataDir, readCredentials(dataDir)), 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));

    // In a browser: the error page, with its reference.
    const { browser, page } = await browserPage(signedIn.cookie);
    let shown: string;
    try {
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(500);
      await expect.poll(() => page.getByTestId('error-reference').count()).toBe(1);
      shown = (await page.getByTestId('error-reference').textContent())!.trim();
      await expect.poll(() => page.getByRole('heading', { name: 'Something went wrong on the console' }).count()).toBe(1);
    } finally {
      await browser.close();
    }
    expect(shown).toMatch(/^\S+$/);

    // The document itself carries the reference (the page renders from it) and nothing of the cause.
    const failed = await request(`${base}/`, { ca, headers: { cookie: signedIn.cookie } });
    expect(failed.status).toBe(500);
    expect(failed.body).toContain(`"digest\\":\\"${shown}\\"`);
    expect(failed.body).not.toMatch(/ECONNREFUSED|PrismaClient|\s+at \S+ \(/);

    const records = coreLog().filter((r) => r.msg === 'request failed' && r.digest === shown);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records[0]).toMatchObject({ path: '/' });
    expect(records[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(records[0]!.err!.stack).toMatch(/\n\s+at /);
    const second = coreLog().filter((r) => r.msg === 'request failed' && r.requestId === failed.headers['x-request-id']);
    expect(second.length).toBeGreaterThanOrEqual(1);

    // A route handler failing the same way (the database is still down): a 500 without the cause, and the
    // core log holds the error under the request id the response names.
    const routePath = '/api/v1/system/backups/00000000-0000-4000-8000-000000000000';
    const route = await request(`${base}${routePath}`, { ca, headers: { cookie: signedIn.cookie } });
    expect(route.status).toBe(500);
    expect(route.body).not.toMatch(/ECONNREFUSED|PrismaClient|\s+at \S+ \(/);
    const requestId = route.headers['x-request-id'] as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const routeRecords = coreLog().filter((r) => r.msg === 'request failed' && r.requestId === requestId);
    expect(routeRecords.length).toBeGreaterThanOrEqual(1);
    expect(routeRecords[0]).toMatchObject({ path: routePath });
    expect(routeRecords[0]!.err!.stack).toMatch(/\n\s+at /);
  });
});
