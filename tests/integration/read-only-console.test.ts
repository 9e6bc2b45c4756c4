import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH } from '../../e2e/support/chromium.ts';
import { generateBackupKey } from '../../lib/backups/identity-file.ts';
import { db, disconnectDb } from '../../lib/db/client.ts';
import { createVlan } from '../../lib/networking/mutations.ts';
import { createUser } from '../../lib/users/mutations.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';
import { actionId, callServerAction, type ActionResult } from '../support/server-action.ts';
import { stateDifferences, takeStateSnapshot } from '../support/state-snapshot.ts';

// A console that is not active is read-only for people: a real console, real sign-ins, every server action
// called over HTTPS exactly as the browser calls it. Its HA state and its trusted host are arranged in the
// database directly, as replication and failover will set them.

const HOST = '127.0.0.81';
const PASSWORD = 'Read-Only-Check-Pass-5';
const PRIMARY = { role: 'PRIMARY', domain: 'otc-primary.plant.test', address: '127.0.0.82', port: 8443 } as const;
const PRIMARY_URL = 'https://127.0.0.82:8443/';
const SECONDARY_MESSAGE = `This console is the secondary of otc-primary.plant.test; it is read-only while the primary is active. Make changes on the primary: ${PRIMARY_URL}`;
const SECONDARY_REFUSAL = {
  ok: false,
  code: 'READ_ONLY_CONSOLE',
  message: SECONDARY_MESSAGE,
  active: { domain: PRIMARY.domain, url: PRIMARY_URL },
};

let dataDir: string;
let database: TestDatabase;
let running: RunningConsole;
let ca: string;
const cookies = { admin: '', analyst: '', viewer: '' };
type Who = keyof typeof cookies;
let sensorId: string;
let recipient: string;

// ---- Arranging the HA state ----

async function setHaState(configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY', state: 'ACTIVE' | 'STANDBY' | 'FROZEN') {
  await db()
    .$executeRaw`UPDATE appliance SET configured_role = ${configuredRole}::"ConfiguredRole", state = ${state}::"HaState" WHERE id = 1`;
}

async function setPeer(peer: { role: 'PRIMARY' | 'SECONDARY'; domain: string; address: string; port: number } | null) {
  await db().trustedHost.deleteMany();
  if (peer)
    await db().trustedHost.create({
      data: { ...peer, applianceId: randomUUID(), certificatePem: 'pinned elsewhere', fingerprint: 'AB'.repeat(32), status: 'PAIRED' },
    });
}

// ---- Calling actions as the browser does ----

async function call(file: string, name: string, who: Who, args: unknown): Promise<ActionResult> {
  return callServerAction({ url: running.url, ca, cookie: cookies[who] }, await actionId(file, name), args);
}

// ---- Every server action: what it is called with, and what it does on an active console ----

const file = (text: string, name: string) => new File([text], name);
const okResult = { ok: true };

type ActionCase = { file: string; name: string; who: Who; args: () => unknown; whenActive: Record<string, unknown> };

// In the order the "active again" pass runs them (an edit before the delete of the same row).
const WRITES: ActionCase[] = [
  // A secondary never takes activation files, active or not (lib/activation/eligibility.ts): it gets past the HA refusal to that one.
  {
    file: 'lib/activation/actions.ts',
    name: 'uploadActivation',
    who: 'admin',
    args: () => ({ file: file('{}', 'site.activation') }),
    whenActive: { ok: false, code: 'SECONDARY_CONSOLE' },
  },
  // The planned switchover: only the active console hands over its role. The peer recorded here is not a
  // console that answers, so when active it gets past the refusal to saying the peer cannot take over.
  {
    file: 'lib/failover/actions.ts',
    name: 'switchover',
    who: 'admin',
    args: () => ({}),
    whenActive: { ok: false, code: 'PEER_UNREACHABLE' },
  },
  {
    file: 'lib/appliance/actions.ts',
    name: 'regenerateConnectionString',
    who: 'admin',
    args: () => ({ confirm: true }),
    whenActive: okResult,
  },
  {
    file: 'lib/appliance/actions.ts',
    name: 'updateConsoleName',
    who: 'admin',
    args: () => ({ name: 'Packing hall' }),
    whenActive: okResult,
  },
  { file: 'lib/auth/actions.ts', name: 'updateIdleTimeout', who: 'admin', args: () => ({ minutes: 45 }), whenActive: okResult },
  {
    file: 'lib/backups/actions.ts',
    name: 'saveBackupSchedule',
    who: 'admin',
    args: () => ({ frequency: 'weekly', time: '03:15', weekday: 2, timezone: 'UTC', retain: 4 }),
    whenActive: okResult,
  },
  { file: 'lib/backups/actions.ts', name: 'saveBackupRecipient', who: 'admin', args: () => ({ recipient }), whenActive: okResult },
  { file: 'lib/backups/actions.ts', name: 'createBackupKey', who: 'admin', args: () => ({}), whenActive: okResult },
  { file: 'lib/networking/actions.ts', name: 'addVlan', who: 'admin', args: () => ({ id: 8, name: 'Cell 8' }), whenActive: okResult },
  {
    file: 'lib/networking/actions.ts',
    name: 'editVlan',
    who: 'admin',
    args: () => ({ id: 7, name: 'Cell 7 (packing)' }),
    whenActive: okResult,
  },
  { file: 'lib/networking/actions.ts', name: 'removeVlan', who: 'admin', args: () => ({ id: 7 }), whenActive: okResult },
  {
    file: 'lib/sensors/actions.ts',
    name: 'acknowledgeSensorAlert',
    who: 'analyst',
    args: () => ({ sensorId, seq: 1 }),
    whenActive: okResult,
  },
  {
    file: 'lib/replication/actions.ts',
    name: 'saveHaSettings',
    who: 'admin',
    args: () => ({ unreachableWindowSeconds: 60, strictEvents: true }),
    whenActive: okResult,
  },
  { file: 'lib/sensors/actions.ts', name: 'replaceSensor', who: 'admin', args: () => ({ id: sensorId }), whenActive: okResult },
  { file: 'lib/sensors/actions.ts', name: 'removeSensor', who: 'admin', args: () => ({ id: sensorId }), whenActive: okResult },
  {
    file: 'lib/time/actions.ts',
    name: 'updateTimeSettings',
    who: 'admin',
    args: () => ({ ntpServer: 'ntp.plant.test', timezone: 'Europe/Berlin' }),
    whenActive: okResult,
  },
  {
    file: 'lib/users/actions.ts',
    name: 'changeOwnPassword',
    who: 'viewer',
    // The right current password: only the console's state stands in the way.
    args: () => ({ currentPassword: PASSWORD, newPassword: 'Another-Strong-Pass-61', confirmPassword: 'Another-Strong-Pass-61' }),
    whenActive: okResult,
  },
  {
    file: 'lib/users/actions.ts',
    name: 'addUser',
    who: 'admin',
    args: () => ({ passwordMode: 'generate', username: 'newop', role: 'READ_ONLY' }),
    whenActive: okResult,
  },
  {
    file: 'lib/users/actions.ts',
    name: 'updateUserRole',
    who: 'admin',
    args: () => ({ username: 'operator', role: 'SECURITY_ANALYST' }),
    whenActive: okResult,
  },
  { file: 'lib/users/actions.ts', name: 'resetUserPassword', who: 'admin', args: () => ({ username: 'operator' }), whenActive: okResult },
  { file: 'lib/users/actions.ts', name: 'removeUser', who: 'admin', args: () => ({ username: 'operator' }), whenActive: okResult },
];

// Reads stay allowed on a console that is not active; so does work on its own disk that is never replicated
// (a backup of its database, a log export for support).
const READS = [
  { file: 'lib/appliance/actions.ts', name: 'revealConnectionString' },
  { file: 'lib/replication/actions.ts', name: 'checkDriftAction' },
];
// Pairing and unpairing run on either console, active or not (a secondary unpairs itself):
// e2e/high-availability.spec.ts does both on a standby secondary.
const PAIRING = [
  { file: 'lib/trusted-hosts/actions.ts', name: 'applyPair' },
  { file: 'lib/trusted-hosts/actions.ts', name: 'pairSecondary' },
  { file: 'lib/trusted-hosts/actions.ts', name: 'unpair' },
];
const PER_CONSOLE: ActionCase[] = [
  // Each console has its own certificate. Not a certificate here: it gets as far as checking it.
  {
    file: 'lib/certificates/actions.ts',
    name: 'uploadCertificate',
    who: 'admin',
    args: () => ({ certificate: file('not a certificate', 'site.crt'), privateKey: file('not a key', 'site.key') }),
    whenActive: { ok: false, code: 'CERT_FORMAT' },
  },
  { file: 'lib/backups/actions.ts', name: 'backUpNow', who: 'admin', args: () => ({}), whenActive: okResult },
  {
    file: 'lib/export/actions.ts',
    name: 'startExport',
    who: 'admin',
    args: () => ({ categories: ['core', 'audit'] }),
    whenActive: okResult,
  },
];

// Every export of every "use server" module, from the source.
async function declaredActions(): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir('lib', { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name) || /\.test\.tsx?$/.test(e.name)) continue;
    const source = path.join(e.parentPath, e.name);
    const text = await readFile(source, 'utf8');
    if (!/^(['"])use server\1/m.test(text.replace(/^(\s+|\/\/[^\n]*\n)*/, ''))) continue;
    for (const m of text.matchAll(/^export (?:const|async function|function) (\w+)/gm)) found.push(`${source} ${m[1]}`);
  }
  return found.sort();
}

const snapshot = () => takeStateSnapshot({ databaseUrl: database.url, dataDir, logDir: path.join(dataDir, 'logs') });
// Records of what people change. Audit events are journaled too (the trail is replicated), and so is the
// progress of this console's own backups and exports (never sent): neither is a change made here.
const journalRows = () => db().journal.count({ where: { entity: { notIn: ['audit', 'backup', 'log-export'] } } });
const get = (pathname: string, who: Who) => request(`${running.url}${pathname}`, { ca, headers: { cookie: cookies[who] } });

// The banner's text with the markup taken out, and the links inside it.
function bannerOf(html: string): { text: string; links: string[] } | null {
  const m = /<div[^>]*data-testid="read-only-banner"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  if (!m) return null;
  const inner = m[1]!;
  return {
    text: inner
      .replace(/<!-- -->/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/&amp;/g, '&'),
    links: [...inner.matchAll(/<a [^>]*href="([^"]+)"/g)].map((l) => l[1]!),
  };
}

async function consolePages(): Promise<string[]> {
  const root = 'app/(console)';
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name === 'page.tsx')
    .map((e) => `/${path.relative(root, e.parentPath)}`.replace(/\/\.?$/, '') || '/')
    .sort();
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-read-only-'));
  database = await createTestDatabase();
  const port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: database.url, OTC_LOG_DIR: '' },
    { logFile: path.join(dataDir, 'console.out') },
  );
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  process.env.DATABASE_URL = database.url;
  for (const [username, role] of [
    ['analyst', 'SECURITY_ANALYST'],
    ['viewer', 'READ_ONLY'],
    ['operator', 'READ_ONLY'],
  ] as const) {
    const created = await createUser({ username, password: PASSWORD, role }, { username: 'system' });
    if (!created.ok) throw new Error(created.message);
  }
  // Something for the edits and deletes to change: a VLAN, and a disconnected sensor with an open alert.
  const vlan = await createVlan({ id: 7, name: 'Cell 7' }, { username: 'system' });
  if (!vlan.ok) throw new Error(vlan.message);
  const sensor = await db().sensor.create({
    data: {
      name: 'line-3',
      ip: '192.0.2.33',
      version: '0.1.0',
      credentialHash: 'c'.repeat(64),
      ackedSeq: 1n,
      alertCount: 1,
      events: {
        create: [{ seq: 1n, kind: 'alert', occurredAt: new Date(), severity: 'high', title: 'Unauthorized PLC write', payload: {} }],
      },
    },
  });
  sensorId = sensor.id;
  recipient = (await generateBackupKey()).recipient;
  for (const [who, password] of [
    ['admin', running.adminPassword!],
    ['analyst', PASSWORD],
    ['viewer', PASSWORD],
  ] as const) {
    const signedIn = await signInOverHttps(running.url, ca, who, password);
    if ('error' in signedIn) throw new Error(`${who} could not sign in: ${signedIn.error}`);
    cookies[who] = signedIn.cookie;
  }
  await setPeer(PRIMARY);
  await setHaState('SECONDARY', 'STANDBY');
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await disconnectDb();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a standby secondary', () => {
  it('the tables below name every server action the console has, each one once, as a write or a read', async () => {
    const classified = [...WRITES, ...READS, ...PER_CONSOLE, ...PAIRING].map((a) => `${a.file} ${a.name}`).sort();
    expect(new Set(classified).size).toBe(classified.length);
    expect(classified, 'a new server action: add it to WRITES (refused when not active) or READS here').toEqual(await declaredActions());
    for (const a of [...WRITES, ...READS, ...PER_CONSOLE, ...PAIRING]) await actionId(a.file, a.name);
  });

  for (const action of WRITES) {
    it(`${action.file} ${action.name} is refused with a message naming the primary, and changes nothing`, async () => {
      const before = await snapshot();
      const journal = await journalRows();
      expect(await call(action.file, action.name, action.who, action.args())).toEqual(SECONDARY_REFUSAL);
      expect(await journalRows()).toBe(journal);
      expect(stateDifferences(before, await snapshot())).toEqual([]);
    });
  }

  for (const action of PER_CONSOLE) {
    it(`${action.file} ${action.name} still runs: it works on this console's own disk and nothing of it is replicated`, async () => {
      const result = (await call(action.file, action.name, action.who, action.args())) as { ok: boolean; code?: string };
      expect(result.code).not.toBe('READ_ONLY_CONSOLE');
      if (action.name === 'startExport') expect(result).toMatchObject({ ok: true });
    });
  }

  it('still reveals the connection string to an Admin: a read, audited here and not journaled', async () => {
    const journal = await journalRows();
    const audits = await db().auditEvent.count({ where: { action: 'connection-string.reveal' } });
    const { connectionToken } = await db().appliance.findUniqueOrThrow({ where: { id: 1 } });
    const result = await call('lib/appliance/actions.ts', 'revealConnectionString', 'admin', { purpose: 'reveal' });
    expect(result).toMatchObject({ ok: true, data: { connectionString: expect.stringContaining(connectionToken) } });
    expect(await db().auditEvent.count({ where: { action: 'connection-string.reveal' } })).toBe(audits + 1);
    expect(await journalRows()).toBe(journal);
  });

  it('signs people in with their existing credentials, and still counts wrong passwords per console', async () => {
    const journal = await journalRows();
    const signedIn = await signInOverHttps(running.url, ca, 'analyst', PASSWORD);
    expect(signedIn).toHaveProperty('cookie');
    const page = await request(`${running.url}/`, { ca, headers: { cookie: (signedIn as { cookie: string }).cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-testid="signed-in-user"');

    const wrong = await signInOverHttps(running.url, ca, 'operator', 'Not-The-Password-1');
    expect(wrong).toEqual({ error: 'Invalid username or password.' });
    expect((await db().user.findUniqueOrThrow({ where: { username: 'operator' } })).failedAttempts).toBe(1);
    expect(await journalRows()).toBe(journal);
  });

  it('every console page shows the banner with the message and a link to the primary, to every role', async () => {
    const pages = await consolePages();
    expect(pages).toEqual(expect.arrayContaining(['/', '/sensors', '/system-settings/users', '/account']));
    for (const pathname of pages) {
      const page = await get(pathname, 'admin');
      if (pathname === '/system-settings') {
        expect(page.status).toBe(307); // to its first section, checked on its own
        continue;
      }
      expect(page.status, `${pathname} → ${page.headers.location}`).toBe(200);
      expect(bannerOf(page.body), pathname).toEqual({ text: `Read-only. ${SECONDARY_MESSAGE}`, links: [PRIMARY_URL] });
    }
    for (const who of ['analyst', 'viewer'] as const)
      expect(bannerOf((await get('/', who)).body), who).toMatchObject({ links: [PRIMARY_URL] });
  });

  it('a form submitted in Chromium shows the refusal, and the banner links to the primary', async () => {
    const browser = await chromium.launch(CHROMIUM_LAUNCH);
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const [name, value] = cookies.admin.split(/=(.*)/s) as [string, string];
      await context.addCookies([{ name, value, url: running.url, secure: true, httpOnly: true, sameSite: 'Lax' }]);
      const page = await context.newPage();
      await page.goto(`${running.url}/system-settings/networking`);
      const banner = page.getByTestId('read-only-banner');
      await expect.poll(() => banner.textContent()).toBe(`Read-only. ${SECONDARY_MESSAGE}`);
      expect(await banner.getByRole('link').getAttribute('href')).toBe(PRIMARY_URL);
      const form = page.getByRole('form', { name: 'Add VLAN' });
      await form.getByLabel('VLAN ID (1–4094)').fill('9');
      await form.getByLabel('Name (up to 64 characters)').fill('Cell 9');
      const before = await journalRows();
      await form.getByRole('button').click();
      await form.getByText(SECONDARY_MESSAGE).waitFor();
      expect(await journalRows()).toBe(before);
      expect(await db().vlan.findUnique({ where: { id: 9 } })).toBeNull();
    } finally {
      await browser.close();
    }
  });
});

describe('a frozen primary', () => {
  const SECONDARY = { role: 'SECONDARY', domain: 'otc-secondary.plant.test', address: '127.0.0.83', port: 443 } as const;
  const message = 'This console is frozen: otc-secondary.plant.test is the active console. Make changes there: https://127.0.0.83/.';

  it('refuses writes pointing to the secondary that took over, changing nothing, and says so in the banner', async () => {
    await setPeer(SECONDARY);
    await setHaState('PRIMARY', 'FROZEN');
    const before = await snapshot();
    for (const action of WRITES.filter((a) => ['addVlan', 'addUser', 'updateTimeSettings'].includes(a.name)))
      expect(await call(action.file, action.name, action.who, action.args()), action.name).toEqual({
        ok: false,
        code: 'READ_ONLY_CONSOLE',
        message,
        active: { domain: SECONDARY.domain, url: 'https://127.0.0.83/' },
      });
    expect(stateDifferences(before, await snapshot())).toEqual([]);
    expect(bannerOf((await get('/sensors', 'viewer')).body)).toEqual({ text: `Read-only. ${message}`, links: ['https://127.0.0.83/'] });
  });

  it('with no trusted host recorded, says it is not active and links nowhere', async () => {
    await setPeer(null);
    const result = await call('lib/networking/actions.ts', 'addVlan', 'admin', { id: 8, name: 'Cell 8' });
    expect(result).toMatchObject({ ok: false, code: 'READ_ONLY_CONSOLE', active: null });
    expect(result.message).toMatch(/^This console is frozen, not the active console, so it is read-only\./);
    expect(bannerOf((await get('/', 'admin')).body)).toEqual({ text: `Read-only. ${result.message}`, links: [] });
  });
});

describe('a state change while a page is open', () => {
  it('shows on the next client-side navigation, and goes away the same way', async () => {
    await setPeer(PRIMARY);
    await setHaState('SECONDARY', 'ACTIVE');
    const browser = await chromium.launch(CHROMIUM_LAUNCH);
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const [name, value] = cookies.admin.split(/=(.*)/s) as [string, string];
      await context.addCookies([{ name, value, url: running.url, secure: true, httpOnly: true, sameSite: 'Lax' }]);
      const page = await context.newPage();
      await page.goto(`${running.url}/`);
      const banner = page.getByTestId('read-only-banner');
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Sensors' }).waitFor();
      expect(await banner.count()).toBe(0);
      // Failover: the layout the browser holds was rendered while the console was active.
      await setHaState('SECONDARY', 'STANDBY');
      await nav.getByRole('link', { name: 'Sensors' }).click();
      await banner.waitFor();
      expect(await banner.textContent()).toBe(`Read-only. ${SECONDARY_MESSAGE}`);
      expect(page.url()).toBe(`${running.url}/sensors`);
      await setHaState('SECONDARY', 'ACTIVE');
      await nav.getByRole('link', { name: 'Alerts' }).click();
      await banner.waitFor({ state: 'detached' });
      expect(page.url()).toBe(`${running.url}/alerts`);
    } finally {
      await browser.close();
    }
  });
});

describe('active again', () => {
  it('every write goes through, and the banner is gone', async () => {
    await setPeer(PRIMARY);
    await setHaState('SECONDARY', 'ACTIVE');
    const journal = await journalRows();
    for (const action of WRITES) {
      const result = await call(action.file, action.name, action.who, action.args());
      expect(result, `${action.file} ${action.name}: ${result.message}`).toMatchObject(action.whenActive);
    }
    expect(await journalRows()).toBeGreaterThan(journal);
    expect(await db().vlan.findUnique({ where: { id: 8 } })).toMatchObject({ name: 'Cell 8' });
    expect(await db().user.findUnique({ where: { username: 'operator' } })).toBeNull();
    const page = await get('/', 'admin');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Packing hall');
    expect(bannerOf(page.body)).toBeNull();
  });
});
