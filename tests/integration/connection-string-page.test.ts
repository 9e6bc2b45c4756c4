import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { createUser } from '../../lib/users/mutations.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';

// "The token only reaches the browser when an Admin reveals or copies it", checked on what a real console
// sends over real HTTPS: the HTML of every console page (with the React flight data inlined in it), the
// flight payload of client-side navigation, and the server action's own response.
const HOST = '127.0.0.26';
const PASSWORD = 'Page-Check-Pass-42';
let dataDir: string;
let database: TestDatabase;
let running: RunningConsole;
let ca: string;
let token: string;
const cookies: Record<'admin' | 'analyst', string> = { admin: '', analyst: '' };

// Every page of the signed-in console, from the app directory (dynamic segments have none here).
async function consolePages(): Promise<string[]> {
  const root = 'app/(console)';
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name === 'page.tsx')
    .map((e) => `/${path.relative(root, e.parentPath)}`.replace(/\/$/, '') || '/')
    .map((p) => (p === '/.' ? '/' : p))
    .sort();
}

// The action's id as the production build registered it (what the browser sends in Next-Action).
async function actionId(file: string, name: string): Promise<string> {
  const manifest = JSON.parse(await readFile('.next/server/server-reference-manifest.json', 'utf8')) as {
    node: Record<string, { filename: string; exportedName: string }>;
  };
  const found = Object.entries(manifest.node).find(([, v]) => v.filename === file && v.exportedName === name);
  if (!found) throw new Error(`${file} ${name} is not in the build's server-reference manifest: rebuild (npm run build)`);
  return found[0];
}

// A server action called exactly as the browser calls it: POST to the page, arguments as React encodes them.
function callAction(id: string, cookie: string, args: unknown[]) {
  return request(`${running.url}/system-settings/sensor-setup`, {
    ca,
    method: 'POST',
    headers: {
      cookie,
      origin: running.url,
      'next-action': id,
      accept: 'text/x-component',
      'content-type': 'text/plain;charset=UTF-8',
    },
    body: JSON.stringify(args),
  });
}

// A page as client-side navigation fetches it: the flight payload alone. Next first redirects a flight
// request without its cache-busting `_rsc` parameter to the same URL with it.
async function flightOf(pathname: string, cookie: string) {
  const headers = { cookie, rsc: '1' };
  const first = await request(`${running.url}${pathname}`, { ca, headers });
  const location = first.headers.location;
  if (first.status !== 307 || typeof location !== 'string' || !/[?&]_rsc/.test(location)) return first;
  return request(new URL(location, running.url).toString(), { ca, headers });
}

// Any 8 consecutive characters of the token: a partial leak counts too. (A chance match of 8 random
// base-36 characters in a page is about one in 10^12 per position.)
function leaks(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= token.length; i++) if (text.includes(token.slice(i, i + 8))) found.push(token.slice(i, i + 8));
  return found;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-token-page-'));
  database = await createTestDatabase();
  const port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url },
    { logFile: path.join(dataDir, 'console.out') },
  );
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  process.env.DATABASE_URL = database.url;
  token = (await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).connectionToken;
  const created = await createUser({ username: 'analyst', password: PASSWORD, role: 'SECURITY_ANALYST' }, { username: 'system' });
  if (!created.ok) throw new Error(created.message);
  for (const [who, username, password] of [
    ['admin', 'admin', running.adminPassword!],
    ['analyst', 'analyst', PASSWORD],
  ] as const) {
    const signedIn = await signInOverHttps(running.url, ca, username, password);
    if ('error' in signedIn) throw new Error(`${username} could not sign in: ${signedIn.error}`);
    cookies[who] = signedIn.cookie;
  }
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await disconnectDb();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the connection-string token in what the browser receives', () => {
  it('Sensor Setup shows the masked string to an Admin, and neither its HTML nor its flight data holds the token', async () => {
    const page = await request(`${running.url}/system-settings/sensor-setup`, { ca, headers: { cookie: cookies.admin } });
    expect(page.status, `redirected to ${page.headers.location}`).toBe(200);
    // The page really is the card, with the address part and the mask (so a leak would have had its chance).
    expect(page.body).toContain(`${HOST}:${new URL(running.url).port}:`);
    expect(page.body).toContain('•'.repeat(32));
    expect(page.body).toContain('self.__next_f.push');
    expect(leaks(page.body)).toEqual([]);

    const flight = await flightOf('/system-settings/sensor-setup', cookies.admin);
    expect(flight.status).toBe(200);
    expect(flight.headers['content-type']).toMatch(/text\/x-component/);
    expect(flight.body).toContain('tokenLength');
    expect(leaks(flight.body)).toEqual([]);
  });

  it('no other console page, as Admin, carries the token either', async () => {
    const pages = await consolePages();
    expect(pages).toEqual(expect.arrayContaining(['/', '/system-settings/sensor-setup', '/sensors']));
    for (const pathname of pages) {
      const html = await request(`${running.url}${pathname}`, { ca, headers: { cookie: cookies.admin } });
      // System Settings itself redirects to its first section; every other page renders.
      expect(html.status, `${pathname} → ${html.headers.location}`).toBe(pathname === '/system-settings' ? 307 : 200);
      expect(leaks(html.body), `${pathname} HTML`).toEqual([]);
      const flight = await flightOf(pathname, cookies.admin);
      // (In flight data a redirect is an instruction in the payload, not a status.)
      expect(flight.status, `${pathname} flight → ${flight.headers.location}`).toBe(200);
      expect(leaks(flight.body), `${pathname} flight`).toEqual([]);
    }
  });

  it('the reveal action returns it to an Admin, and only to an Admin', async () => {
    const reveal = await actionId('lib/appliance/actions.ts', 'revealConnectionString');
    const revealed = await callAction(reveal, cookies.admin, [{ purpose: 'reveal' }]);
    expect(revealed.status).toBe(200);
    expect(revealed.body).toContain(`"connectionString":"${HOST}:${new URL(running.url).port}:${token}"`);

    const refused = await callAction(reveal, cookies.analyst, [{ purpose: 'reveal' }]);
    expect(refused.status).toBe(200);
    expect(refused.body).toContain('"code":"FORBIDDEN"');
    expect(leaks(refused.body)).toEqual([]);

    const anonymous = await callAction(reveal, '', [{}]);
    expect(anonymous.body).not.toContain('"ok":true');
    expect(leaks(anonymous.body)).toEqual([]);
  });
});
