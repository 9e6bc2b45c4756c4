import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode, encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { getSetting } from '../../lib/settings/data.ts';
import { createUser } from '../../lib/users/mutations.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';
import { stateDifferences, takeStateSnapshot } from '../support/state-snapshot.ts';
import { setUpBackupKey } from '../support/backup-key.ts';

// The downloads' guard as a browser meets it: a real console, real sign-ins, real session cookies. The
// in-process authorization test covers every entry point; this one proves the same refusals end to end.
const HOST = '127.0.0.27';
const PASSWORD = 'Download-Check-Pass-7';
let dataDir: string;
let database: TestDatabase;
let running: RunningConsole;
let ca: string;
let backup: { id: string; sha256: string };
const cookies = { admin: '', analyst: '', viewer: '', idleAdmin: '' };

const COOKIE = '__Secure-next-auth.session-token';

// The Admin's own cookie, re-sealed with the console's secret as the browser would hold it after sitting
// idle one second longer than the idle sign-out allows.
async function idleCookie(cookie: string): Promise<string> {
  const secret = (await readFile(path.join(dataDir, 'auth-secret'), 'utf8')).trim();
  const token = await decode({ token: cookie.slice(`${COOKIE}=`.length), secret });
  if (!token) throw new Error('the console session cookie did not decode with the appliance secret');
  const idleMinutes = await getSetting('session.idleTimeoutMinutes');
  const sealed = await encode({ token: { ...token, lastActive: Date.now() - idleMinutes * 60_000 - 1000 }, secret });
  return `${COOKIE}=${sealed}`;
}

const get = (pathname: string, cookie?: string) => request(`${running.url}${pathname}`, { ca, headers: cookie ? { cookie } : {} });
const snapshot = () => takeStateSnapshot({ databaseUrl: database.url, dataDir, logDir: path.join(dataDir, 'logs') });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-authz-https-'));
  database = await createTestDatabase();
  const port = await freePort(HOST);
  const env = { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url, OTC_LOG_DIR: '' };
  running = await startConsole(env, { logFile: path.join(dataDir, 'console.out') });
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  process.env.DATABASE_URL = database.url;
  for (const [username, role] of [
    ['analyst', 'SECURITY_ANALYST'],
    ['viewer', 'READ_ONLY'],
  ] as const) {
    const created = await createUser({ username, password: PASSWORD, role }, { username: 'system' });
    if (!created.ok) throw new Error(created.message);
  }
  for (const [who, password] of [
    ['admin', running.adminPassword!],
    ['analyst', PASSWORD],
    ['viewer', PASSWORD],
  ] as const) {
    const signedIn = await signInOverHttps(running.url, ca, who, password);
    if ('error' in signedIn) throw new Error(`${who} could not sign in: ${signedIn.error}`);
    cookies[who] = signedIn.cookie;
  }
  cookies.idleAdmin = await idleCookie(cookies.admin);
  // A real archive in the console's backups directory, made by the backup command.
  await setUpBackupKey(dataDir);
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'cli/cyberx-management-backup.ts', '-full'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`backup failed: ${made.stderr}`);
  const row = await db().backup.findFirstOrThrow({ where: { status: 'ready' } });
  backup = { id: row.id, sha256: row.sha256! };
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await disconnectDb();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('downloads over HTTPS with real sessions', () => {
  it('an idle session is still a valid cookie (the refusal below is the idle rule, not a broken cookie)', async () => {
    const decoded = await decode({
      token: cookies.idleAdmin.slice(`${COOKIE}=`.length),
      secret: (await readFile(path.join(dataDir, 'auth-secret'), 'utf8')).trim(),
    });
    expect(decoded).toMatchObject({ name: 'admin', role: 'ADMIN' });
  });

  for (const [route, pathname, allowed] of [
    ['the backup download', () => `/api/v1/system/backups/${backup.id}`, 200],
    ['the log export download', () => '/api/v1/system/exports/00000000-0000-4000-8000-000000000000', 404],
  ] as const) {
    it(`${route} is refused to anonymous, idle, Security Analyst and Read Only callers, changing nothing`, async () => {
      const before = await snapshot();
      expect(await get(pathname())).toMatchObject({ status: 401, body: expect.stringContaining('"code":"UNAUTHENTICATED"') });
      expect(await get(pathname(), cookies.idleAdmin)).toMatchObject({
        status: 401,
        body: expect.stringContaining('"code":"UNAUTHENTICATED"'),
      });
      for (const who of ['analyst', 'viewer'] as const) {
        const refused = await get(pathname(), cookies[who]);
        expect(refused, who).toMatchObject({ status: 403, body: expect.stringContaining('"code":"FORBIDDEN"') });
        expect(refused.headers['content-disposition'], who).toBeUndefined();
      }
      expect(stateDifferences(before, await snapshot())).toEqual([]);
      // The Admin gets through the same guard.
      expect((await get(pathname(), cookies.admin)).status).toBe(allowed);
    });
  }

  it('the Admin downloads the very archive the backup command wrote', async () => {
    const response = await new Promise<Buffer>((resolve, reject) => {
      https
        .get(`${running.url}/api/v1/system/backups/${backup.id}`, { ca, headers: { cookie: cookies.admin } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`status ${res.statusCode}`))));
        })
        .on('error', reject);
    });
    expect(createHash('sha256').update(response).digest('hex')).toBe(backup.sha256);
  });
});
