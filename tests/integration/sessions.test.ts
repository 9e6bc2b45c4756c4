import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { changeUserRole, createUser, deleteUser, setPassword } from '../../lib/users/mutations.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps, type HttpsResponse } from '../support/https.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';

// Real consoles over HTTPS with real next-auth cookies. The test process writes to the console's own
// database through the same lib mutations its server actions call (an Admin's reset, role change,
// deletion), then checks what the signed-in browser gets at its next request.
const HOST = '127.0.0.61';
const MAX_SECONDS = 10;
const PASSWORD = 'Session-Test-Pass-42';

type Console = { running: RunningConsole; base: string; ca: string; dataDir: string; database: TestDatabase };
let main: Console;
let shortLived: Console;
let logDir: string;

async function launch(name: string, extraEnv: Record<string, string> = {}): Promise<Console> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `otc-sessions-${name}-`));
  const database = await createTestDatabase();
  const port = await freePort(HOST);
  const running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url, ...extraEnv },
    { logFile: path.join(dataDir, 'console.out') },
  );
  return {
    running,
    base: `https://${HOST}:${port}`,
    ca: await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8'),
    dataDir,
    database,
  };
}

async function shutdown(c: Console | undefined) {
  if (!c) return;
  await stopConsole(c.running.process);
  await c.database.drop();
  await rm(c.dataDir, { recursive: true, force: true });
}

beforeAll(async () => {
  logDir = await mkdtemp(path.join(tmpdir(), 'otc-sessions-logs-'));
  process.env.OTC_LOG_DIR = logDir;
  [main, shortLived] = await Promise.all([launch('main'), launch('short', { OTC_SESSION_MAX_SECONDS: String(MAX_SECONDS) })]);
  // The console has migrated and initialised its database; the test process works on it too.
  process.env.DATABASE_URL = main.database.url;
  for (const [username, role] of [
    ['reset-me', 'READ_ONLY'],
    ['promote-me', 'READ_ONLY'],
    ['delete-me', 'SECURITY_ANALYST'],
    ['bystander', 'READ_ONLY'],
  ] as const) {
    const created = await createUser({ username, role, password: PASSWORD }, { username: 'admin' });
    if (!created.ok) throw new Error(created.message);
  }
});

afterAll(async () => {
  await disconnectDb();
  await Promise.all([shutdown(main), shutdown(shortLived)]);
  await rm(logDir, { recursive: true, force: true });
});

function sessionCookieOf(response: HttpsResponse): string | undefined {
  const raw = response.headers['set-cookie'] ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map((c) => c.split(';')[0]!).find((c) => c.includes('next-auth.session-token='));
}

async function signIn(c: Console, username: string, password = PASSWORD): Promise<string> {
  const result = await signInOverHttps(c.base, c.ca, username, password);
  if (!('cookie' in result)) throw new Error(`sign-in as ${username} failed: ${result.error}`);
  return result.cookie;
}

// A page every role may see: 200 while the session is good, a redirect to the sign-in page otherwise.
async function accountPage(c: Console, cookie: string) {
  const page = await request(`${c.base}/account`, { ca: c.ca, headers: { cookie } });
  return { status: page.status, location: String(page.headers.location ?? ''), body: page.body };
}

async function expectSignedIn(c: Console, cookie: string, username: string) {
  const page = await accountPage(c, cookie);
  expect(page.status).toBe(200);
  expect(page.body).toContain(`Signed in as ${username}`);
}

async function expectSignedOut(c: Console, cookie: string) {
  const page = await accountPage(c, cookie);
  expect(page.status).toBe(307);
  expect(page.location).toMatch(/^\/login\?next=%2Faccount/);
}

// What the browser's activity ping does: POST /api/auth/session (an update), which re-issues the cookie.
async function refresh(c: Console, cookie: string): Promise<string | undefined> {
  const csrf = await request(`${c.base}/api/auth/csrf`, { ca: c.ca, headers: { cookie } });
  const csrfCookie = String(csrf.headers['set-cookie'] ?? '').split(';')[0]!;
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const response = await request(`${c.base}/api/auth/session`, {
    ca: c.ca,
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `${cookie}; ${csrfCookie}` },
    body: JSON.stringify({ csrfToken, data: {} }),
  });
  expect(response.status).toBe(200);
  return sessionCookieOf(response);
}

describe('sessions end when the account changes', () => {
  it('an Admin’s password reset ends the user’s session at its next request, and the new password signs in', async () => {
    const cookie = await signIn(main, 'reset-me');
    const other = await signIn(main, 'bystander');
    await expectSignedIn(main, cookie, 'reset-me');
    expect(await setPassword('reset-me', 'Reset-By-Admin-Pass-7', { username: 'admin' }, 'user.password-reset')).toMatchObject({
      ok: true,
    });
    await expectSignedOut(main, cookie);
    // A refresh cannot bring it back, and nobody else's session is touched.
    const refreshed = await refresh(main, cookie);
    if (refreshed) await expectSignedOut(main, refreshed);
    await expectSignedIn(main, other, 'bystander');
    await expectSignedIn(main, await signIn(main, 'reset-me', 'Reset-By-Admin-Pass-7'), 'reset-me');
  });

  it('a role change ends the user’s session; signing in again gives the new role', async () => {
    const cookie = await signIn(main, 'promote-me');
    await expectSignedIn(main, cookie, 'promote-me');
    expect(await changeUserRole('promote-me', 'SECURITY_ANALYST', { username: 'admin' })).toMatchObject({ ok: true });
    await expectSignedOut(main, cookie);
    const again = await signIn(main, 'promote-me');
    const page = await accountPage(main, again);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Security Analyst');
  });

  it('deleting a user ends their session, even if an account of the same name is created again', async () => {
    const cookie = await signIn(main, 'delete-me');
    await expectSignedIn(main, cookie, 'delete-me');
    expect(await deleteUser('delete-me', { username: 'admin' })).toEqual({ ok: true });
    await expectSignedOut(main, cookie);
    expect(await createUser({ username: 'delete-me', role: 'ADMIN', password: PASSWORD }, { username: 'admin' })).toMatchObject({
      ok: true,
    });
    await expectSignedOut(main, cookie);
  });

  it('a refused change (the same role again) leaves the session alone', async () => {
    const cookie = await signIn(main, 'bystander');
    const before = await db().user.findUniqueOrThrow({ where: { username: 'bystander' }, select: { sessionVersion: true } });
    expect(await changeUserRole('bystander', 'READ_ONLY', { username: 'admin' })).toMatchObject({ ok: false, code: 'SAME_ROLE' });
    expect(await db().user.findUniqueOrThrow({ where: { username: 'bystander' }, select: { sessionVersion: true } })).toEqual(before);
    await expectSignedIn(main, cookie, 'bystander');
  });
});

describe('the absolute limit of one sign-in', () => {
  it(`refuses a session ${MAX_SECONDS} s after sign-in however often it was refreshed`, async () => {
    const signInStarted = Date.now();
    let cookie = await signIn(shortLived, 'admin', shortLived.running.adminPassword!);
    await expectSignedIn(shortLived, cookie, 'admin');
    // Keep the session busy, as an operator at work would: each refresh re-issues the cookie, and each
    // re-issued cookie works, until the limit counted from the sign-in arrives.
    let refreshes = 0;
    let refused: number | null = null;
    while (refused === null) {
      const next = await refresh(shortLived, cookie);
      if (next) cookie = next;
      refreshes++;
      const page = await accountPage(shortLived, cookie);
      if (page.status !== 200) {
        expect(page.status).toBe(307);
        refused = Date.now();
      }
    }
    expect(refreshes).toBeGreaterThan(1);
    // Never earlier than the limit: the sign-in cannot have happened before signInStarted.
    expect(refused - signInStarted).toBeGreaterThanOrEqual(MAX_SECONDS * 1000);
    // And the newest cookie, issued by the last refresh, is refused too.
    await expectSignedOut(shortLived, cookie);
  });
});
