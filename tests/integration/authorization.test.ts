import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { ROLES, roleAtLeast, type Role } from '../../lib/auth/roles.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { stateDifferences, takeStateSnapshot, type StateSnapshot } from '../support/state-snapshot.ts';

// Who the guard thinks is calling: switched per case below. Everything else is real: the guard, the
// actions, the route handlers, the database and the data directory.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

// The appliance's files live here for this test, logs included, so that the snapshot sees them; set
// before anything creates a logger.
const dataDir = await mkdtemp(path.join(tmpdir(), 'otc-authz-'));
process.env.OTC_DATA_DIR = dataDir;
process.env.OTC_LOG_DIR = path.join(dataDir, 'logs');

const { requiredRoleOf } = await import('../../lib/auth/guard.ts');
const { getSetting } = await import('../../lib/settings/data.ts');
const { getApplianceOrThrow } = await import('../../lib/appliance/data.ts');
const { createBackup } = await import('../../lib/backups/create.ts');
const { db } = await import('../../lib/db/client.ts');
const { setUpBackupKey } = await import('../support/backup-key.ts');

// ---- What every entry point requires (new ones must be added here, or this test fails naming them) ----

// Each server action's required role, by file and export.
const ACTION_ROLES: Record<string, Record<string, Role>> = {
  'lib/activation/actions.ts': { uploadActivation: 'ADMIN' },
  'lib/appliance/actions.ts': { revealConnectionString: 'ADMIN', regenerateConnectionString: 'ADMIN', updateConsoleName: 'ADMIN' },
  'lib/auth/actions.ts': { updateIdleTimeout: 'ADMIN' },
  'lib/backups/actions.ts': { backUpNow: 'ADMIN', saveBackupSchedule: 'ADMIN', createBackupKey: 'ADMIN', saveBackupRecipient: 'ADMIN' },
  'lib/certificates/actions.ts': { uploadCertificate: 'ADMIN' },
  'lib/export/actions.ts': { startExport: 'ADMIN' },
  'lib/failover/actions.ts': { switchover: 'ADMIN' },
  'lib/networking/actions.ts': { addVlan: 'ADMIN', editVlan: 'ADMIN', removeVlan: 'ADMIN' },
  'lib/replication/actions.ts': { checkDriftAction: 'ADMIN', saveHaSettings: 'ADMIN' },
  'lib/sensors/actions.ts': { removeSensor: 'ADMIN', acknowledgeSensorAlert: 'SECURITY_ANALYST', replaceSensor: 'ADMIN' },
  'lib/time/actions.ts': { updateTimeSettings: 'ADMIN' },
  'lib/trusted-hosts/actions.ts': { pairSecondary: 'ADMIN', applyPair: 'ADMIN', unpair: 'ADMIN' },
  'lib/users/actions.ts': {
    changeOwnPassword: 'READ_ONLY',
    addUser: 'ADMIN',
    updateUserRole: 'ADMIN',
    resetUserPassword: 'ADMIN',
    removeUser: 'ADMIN',
  },
};

type RouteGuard =
  // A signed-in user with at least this role (requireRoleForRoute).
  | { guard: 'role'; role: Role; params: () => Record<string, string>; allowed: number }
  // A proof of the connection-string token, after a challenge (requireConnectionTokenProof): the token
  // itself is never accepted.
  | { guard: 'token-proof' }
  // A registered sensor's credential (requireSensor).
  | { guard: 'sensor' }
  // Public by design, with the reason.
  | { guard: 'public'; why: string };

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof HTTP_METHODS)[number];

let backupId = '';
const ROUTES: Record<string, Partial<Record<Method, RouteGuard>>> = {
  'app/api/auth/[...nextauth]/route.ts': {
    GET: { guard: 'public', why: 'sign-in itself' },
    POST: { guard: 'public', why: 'sign-in itself' },
  },
  'app/api/health/route.ts': { GET: { guard: 'public', why: 'load balancers and monitoring; returns no secrets' } },
  'app/api/v1/peer/identity/route.ts': { POST: { guard: 'token-proof' } },
  'app/api/v1/peer/pair/offer/route.ts': { POST: { guard: 'token-proof' } },
  'app/api/v1/peer/pair/challenge/route.ts': {
    POST: {
      guard: 'public',
      why: "pairing: step 1 of each token proof (a MAC over the caller's nonce), throttled per address",
    },
  },
  'app/api/v1/sensors/register/route.ts': { POST: { guard: 'token-proof' } },
  'app/api/v1/sensors/register/challenge/route.ts': {
    POST: {
      guard: 'public',
      why: "registration step 1: the console proves it knows the connection token (a MAC over the caller's nonce), throttled per address",
    },
  },
  'app/api/v1/sensors/heartbeat/route.ts': { POST: { guard: 'sensor' } },
  'app/api/v1/sensors/events/route.ts': { POST: { guard: 'sensor' } },
  // A real backup, so that the refusal is the only thing standing between the caller and the archive.
  'app/api/v1/system/backups/[id]/route.ts': { GET: { guard: 'role', role: 'ADMIN', params: () => ({ id: backupId }), allowed: 200 } },
  // No such export: the allowed role gets past the guard to a 404.
  'app/api/v1/system/exports/[id]/route.ts': {
    GET: { guard: 'role', role: 'ADMIN', params: () => ({ id: '00000000-0000-4000-8000-000000000000' }), allowed: 404 },
  },
};

// ---- Discovery: by what the code is, not by what its files are called ----

const SOURCE_DIRS = ['app', 'components', 'lib'];

async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      const file = path.join(e.parentPath, e.name);
      if (e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !file.startsWith('lib/db/generated/'))
        files.push(file);
    }
  }
  return files.sort();
}

// A module-level directive: the first statement, after comments.
function startsWithUseServer(source: string): boolean {
  const code = source.replace(/^(\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  return /^(['"])use server\1\s*(;|\n)/.test(code);
}

const sources = await Promise.all((await sourceFiles()).map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
const actionFiles = sources.filter((s) => startsWithUseServer(s.text)).map((s) => s.file);
// A 'use server' inside a function body makes an inline action that no file-level scan could import.
const inlineActions = sources.filter((s) => !startsWithUseServer(s.text) && /^\s+(['"])use server\1/m.test(s.text)).map((s) => s.file);
const routeFiles = sources.filter((s) => /(^|\/)route\.tsx?$/.test(s.file) && s.file.startsWith('app/')).map((s) => s.file);

// ---- Callers ----

let appliance: ApplianceDb;
let ids: Record<Role, string>;
let idleMinutes: number;

function as(role: Role | null) {
  session = role
    ? { user: { id: ids[role], name: appliance.users[role], role }, lastActive: Date.now(), authTime: Date.now(), sessionVersion: 0 }
    : null;
}

// Signed in, then inactive one second longer than the idle sign-out allows.
function asIdle(role: Role) {
  as(role);
  session!.lastActive = Date.now() - idleMinutes * 60_000 - 1000;
}

const lowerRoles = (required: Role) => ROLES.filter((r) => !roleAtLeast(r, required));

async function snapshot(): Promise<StateSnapshot> {
  return takeStateSnapshot({ databaseUrl: appliance.url, dataDir, logDir: process.env.OTC_LOG_DIR! });
}

async function expectUnchanged(before: StateSnapshot, what: string) {
  expect(stateDifferences(before, await snapshot()), `${what} changed state while refusing`).toEqual([]);
}

// A fresh TEST-NET address per call: the per-address throttles must never be what answers, or a
// refusal would prove nothing about the guard.
let nextAddress = 0;
const address = () => `198.51.100.${(nextAddress++ % 250) + 1}`;

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  const users = await db().user.findMany();
  ids = Object.fromEntries(ROLES.map((r) => [r, users.find((u) => u.username === appliance.users[r])!.id])) as Record<Role, string>;
  idleMinutes = await getSetting('session.idleTimeoutMinutes');
  await setUpBackupKey(dataDir);
  const backup = await createBackup({ kind: 'manual', actor: { username: 'system', ip: 'local' } });
  if (!backup.ok) throw new Error(backup.message);
  backupId = backup.id;
});
afterAll(async () => {
  await appliance?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the snapshot', () => {
  it('covers every table of the database and every file of the data directory', async () => {
    const taken = await snapshot();
    const [{ n }] = await db().$queryRawUnsafe<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema()`,
    );
    expect(Object.keys(taken.tables)).toHaveLength(n);
    expect(Object.keys(taken.tables)).toEqual(
      expect.arrayContaining(['user', 'setting', 'journal', 'audit_event', 'backup', '_prisma_migrations']),
    );
    expect(Object.keys(taken.files).some((f) => f.startsWith('backups/') && f.endsWith('.tar.gz.age'))).toBe(true);
  });

  it('sees a change in any table, file or log', async () => {
    const before = await snapshot();
    await db().setting.upsert({ where: { key: 'probe' }, create: { key: 'probe', value: 1 }, update: { value: 1 } });
    const file = Object.keys(before.files).find((f) => f.startsWith('backups/'))!;
    const original = await readFile(path.join(dataDir, file));
    await writeFile(path.join(dataDir, file), Buffer.concat([original, Buffer.from('x')]));
    try {
      const differences = stateDifferences(before, await snapshot());
      expect(differences).toEqual(
        expect.arrayContaining([expect.stringMatching(/^table setting: /), expect.stringMatching(`^file ${file} changed`)]),
      );
      const rewritten = { ...before, logs: { 'auth.log': Buffer.from('old line\n') } };
      expect(stateDifferences(rewritten, { ...before, logs: { 'auth.log': Buffer.from('new line\n') } })).toEqual([
        'log auth.log was rewritten, not appended to',
      ]);
      expect(stateDifferences(rewritten, { ...before, logs: { 'auth.log': Buffer.from('old line\nmore\n') } })).toEqual([]);
    } finally {
      await db().setting.delete({ where: { key: 'probe' } });
      await writeFile(path.join(dataDir, file), original);
    }
    expect(stateDifferences(before, await snapshot())).toEqual([]);
  });
});

describe('every server action', () => {
  it('is found by its "use server" directive, and none is declared inline', () => {
    expect(actionFiles.length).toBeGreaterThan(0);
    expect(inlineActions, 'move inline server actions into a "use server" module built with guardedAction').toEqual([]);
  });

  it('has a declared required role, and every declaration still names an action', async () => {
    const found: string[] = [];
    for (const file of actionFiles) {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      for (const name of Object.keys(mod)) found.push(`${file} ${name}`);
    }
    const declared = Object.entries(ACTION_ROLES).flatMap(([file, actions]) => Object.keys(actions).map((name) => `${file} ${name}`));
    expect(
      found.filter((a) => !declared.includes(a)),
      'server actions with no expected role: add them to ACTION_ROLES in this test',
    ).toEqual([]);
    expect(
      declared.filter((a) => !found.includes(a)),
      'ACTION_ROLES names actions that no "use server" module exports',
    ).toEqual([]);
  });

  for (const file of actionFiles) {
    it(`${file}: each export is guarded with its declared role and refuses anonymous, idle and lower-role callers without changing anything`, async () => {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      expect(Object.keys(mod).length).toBeGreaterThan(0);
      for (const [name, fn] of Object.entries(mod)) {
        expect(typeof fn, `${file} ${name}`).toBe('function');
        const required = requiredRoleOf(fn as object);
        expect(required, `${file} ${name} is not built with guardedAction`).toBeDefined();
        expect(required, `${file} ${name}: required role`).toBe(ACTION_ROLES[file]?.[name]);
        const call = fn as (input: unknown) => Promise<{ ok: boolean; code?: string }>;
        // Input that the action's own schema might well accept: the guard must refuse before parsing.
        const input = { confirm: true, minutes: 5, name: 'x', username: 'admin', role: 'ADMIN', id: ids.ADMIN };
        const before = await snapshot();

        as(null);
        expect(await call(input), `${name} anonymous`).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
        for (const role of ROLES) {
          asIdle(role);
          expect(await call(input), `${name} idle ${role}`).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
        }
        for (const role of lowerRoles(required!)) {
          as(role);
          expect(await call(input), `${name} as ${role}`).toMatchObject({ ok: false, code: 'FORBIDDEN' });
        }
        // The required role itself gets through the guard, to the zod parse, which refuses garbage.
        as(required!);
        expect(await call('nonsense'), `${name} as ${required} with garbage`).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
        await expectUnchanged(before, `${file} ${name}`);
      }
    });
  }
});

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function callRoute(handler: Handler, method: Method, params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await handler(
    new Request('https://127.0.0.1/x', {
      method,
      headers: { 'x-forwarded-for': address(), 'content-type': 'application/json', ...headers },
      body: method === 'GET' || method === 'HEAD' ? undefined : '{}',
    }),
    { params: Promise.resolve(params) },
  );
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: response.status, code, body: text };
}

describe('every route handler', () => {
  it('is found under app/, and each exported method has a declared guard', async () => {
    expect(routeFiles.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of routeFiles) {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      for (const method of HTTP_METHODS) if (typeof mod[method] === 'function') found.push(`${file} ${method}`);
    }
    const declared = Object.entries(ROUTES).flatMap(([file, methods]) => Object.keys(methods).map((m) => `${file} ${m}`));
    expect(
      found.filter((r) => !declared.includes(r)),
      'route handlers with no expected guard: add them to ROUTES in this test',
    ).toEqual([]);
    expect(
      declared.filter((r) => !found.includes(r)),
      'ROUTES names handlers that no route.ts exports',
    ).toEqual([]);
  });

  for (const file of routeFiles) {
    it(`${file}: each method refuses every caller its guard does not admit, without changing anything`, async () => {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      for (const method of HTTP_METHODS) {
        if (typeof mod[method] !== 'function') continue;
        const expectation = ROUTES[file]?.[method];
        expect(expectation, `${file} ${method} has no declared guard`).toBeDefined();
        const handler = mod[method] as Handler;
        const what = `${file} ${method}`;
        const before = await snapshot();
        const { connectionToken } = await getApplianceOrThrow();
        const fakeSensor = `Sensor ${randomUUID()}:${randomBytes(32).toString('base64url')}`;

        switch (expectation!.guard) {
          case 'public':
            if (file === 'app/api/health/route.ts') {
              as(null);
              expect((await callRoute(handler, method, {})).status, what).toBe(200);
            }
            break;
          case 'role': {
            const params = expectation!.params();
            as(null);
            expect(await callRoute(handler, method, params), `${what} anonymous`).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
            for (const role of ROLES) {
              asIdle(role);
              expect(await callRoute(handler, method, params), `${what} idle ${role}`).toMatchObject({
                status: 401,
                code: 'UNAUTHENTICATED',
              });
            }
            for (const role of lowerRoles(expectation!.role)) {
              as(role);
              expect(await callRoute(handler, method, params), `${what} as ${role}`).toMatchObject({ status: 403, code: 'FORBIDDEN' });
            }
            // Credentials of the other kinds are no substitute for a session.
            as(null);
            expect(await callRoute(handler, method, params, { authorization: `Bearer ${connectionToken}` }), `${what} token`).toMatchObject(
              {
                status: 401,
              },
            );
            break;
          }
          case 'token-proof': {
            as(null);
            const refusal = { status: 401, code: 'PROOF_REQUIRED' };
            expect(await callRoute(handler, method, {}), `${what} without proof`).toMatchObject(refusal);
            // The right token itself is refused: only a proof after a challenge counts.
            expect(await callRoute(handler, method, {}, { authorization: `Bearer ${connectionToken}` }), `${what} token`).toMatchObject(
              refusal,
            );
            expect(
              await callRoute(handler, method, {}, { authorization: `Proof ${'B'.repeat(22)}:${'A'.repeat(43)}` }),
              `${what} proof for a challenge never issued`,
            ).toMatchObject({ status: 401, code: 'CHALLENGE_EXPIRED' });
            expect(await callRoute(handler, method, {}, { authorization: fakeSensor }), `${what} sensor credential`).toMatchObject(refusal);
            as('ADMIN');
            expect(await callRoute(handler, method, {}), `${what} as ADMIN`).toMatchObject(refusal);
            break;
          }
          case 'sensor':
            as(null);
            expect(await callRoute(handler, method, {}), `${what} without credential`).toMatchObject({
              status: 401,
              code: 'SENSOR_AUTH_REQUIRED',
            });
            expect(await callRoute(handler, method, {}, { authorization: fakeSensor }), `${what} unknown sensor`).toMatchObject({
              status: 401,
              code: 'UNKNOWN_SENSOR',
            });
            expect(
              await callRoute(handler, method, {}, { authorization: `Bearer ${connectionToken}` }),
              `${what} connection token`,
            ).toMatchObject({ status: 401, code: 'SENSOR_AUTH_REQUIRED' });
            as('ADMIN');
            expect(await callRoute(handler, method, {}), `${what} as ADMIN`).toMatchObject({ status: 401, code: 'SENSOR_AUTH_REQUIRED' });
            break;
        }
        await expectUnchanged(before, what);

        // The allowed caller gets through, so the refusals above are the guard's and not a broken route.
        if (expectation!.guard === 'role') {
          as(expectation!.role);
          const allowed = await callRoute(handler, method, expectation!.params());
          expect(allowed.status, `${what} as ${expectation!.role}: ${allowed.body.slice(0, 200)}`).toBe(expectation!.allowed);
        }
      }
    });
  }

  it('the backup download is refused to Security Analyst and Read Only, and gives Admin the intact archive', async () => {
    const { GET } = (await import('../../app/api/v1/system/backups/[id]/route.ts')) as unknown as { GET: Handler };
    const backup = await db().backup.findUniqueOrThrow({ where: { id: backupId } });
    const before = await snapshot();
    for (const role of ['SECURITY_ANALYST', 'READ_ONLY'] as const) {
      as(role);
      const refused = await callRoute(GET, 'GET', { id: backupId });
      expect(refused, role).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(refused.body, role).not.toContain('\u001f\u008b'); // no gzip bytes
    }
    await expectUnchanged(before, 'backup download');
    as('ADMIN');
    const response = await GET(new Request('https://127.0.0.1/x', { headers: { 'x-forwarded-for': address() } }), {
      params: Promise.resolve({ id: backupId }),
    });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.sha256);
  });
});
