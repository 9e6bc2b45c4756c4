import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { ROLES, roleAtLeast, type Role } from '../../lib/auth/roles.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// Who the guard thinks is calling: switched per case below. Everything else is real: the guard, the
// actions, the route handlers and the database.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { requiredRoleOf } = await import('../../lib/auth/guard.ts');
const { db } = await import('../../lib/db/client.ts');

async function findFiles(dir: string, name: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && name.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

// Route handlers that are public by design, each with the reason.
const PUBLIC_ROUTES: Record<string, string> = {
  'app/api/health/route.ts': 'load balancers and monitoring; returns no secrets',
  'app/api/auth/[...nextauth]/route.ts': 'sign-in itself',
  'app/api/v1/sensors/register/challenge/route.ts':
    "registration step 1: the console proves it knows the connection token (a MAC over the caller's nonce), throttled per address",
};

let appliance: ApplianceDb;
let ids: Record<Role, string>;

async function snapshot() {
  const [journal, audit, users, settings, app] = await Promise.all([
    db().journal.count(),
    db().auditEvent.count(),
    db().user.findMany({ orderBy: { username: 'asc' }, omit: { passwordHash: false } }),
    db().setting.findMany({ orderBy: { key: 'asc' } }),
    db().appliance.findUnique({ where: { id: 1 } }),
  ]);
  return JSON.stringify({ journal, audit, users, settings, app }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function as(role: Role | null) {
  session = role
    ? { user: { id: ids[role], name: appliance.users[role], role }, lastActive: Date.now(), authTime: Date.now(), sessionVersion: 0 }
    : null;
}

const actionFiles = await findFiles('lib', /^actions\.ts$/);
const routeFiles = await findFiles('app', /^route\.ts$/);

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  const users = await db().user.findMany();
  ids = Object.fromEntries(ROLES.map((r) => [r, users.find((u) => u.username === appliance.users[r])!.id])) as Record<Role, string>;
});
afterAll(async () => appliance.close());

describe('every server action', () => {
  it('exists', () => expect(actionFiles.length).toBeGreaterThan(0));

  for (const file of actionFiles) {
    it(`${file}: each export is guarded and refuses anonymous and lower-role callers without changing anything`, async () => {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      const exports = Object.entries(mod);
      expect(exports.length).toBeGreaterThan(0);
      for (const [name, fn] of exports) {
        expect(typeof fn, `${file} ${name}`).toBe('function');
        const required = requiredRoleOf(fn as object);
        expect(required, `${file} ${name} is not built with guardedAction`).toBeDefined();
        const call = fn as (input: unknown) => Promise<{ ok: boolean; code?: string }>;
        const before = await snapshot();

        as(null);
        expect(await call({ confirm: true, minutes: 5 }), `${name} anonymous`).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
        for (const role of ROLES.filter((r) => !roleAtLeast(r, required!))) {
          as(role);
          expect(await call({ confirm: true, minutes: 5 }), `${name} as ${role}`).toMatchObject({ ok: false, code: 'FORBIDDEN' });
        }
        // An idle session counts as signed out.
        as('ADMIN');
        session!.lastActive = Date.now() - 10 * 60 * 60_000;
        expect(await call({ confirm: true, minutes: 5 }), `${name} idle`).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
        expect(await snapshot(), `${name} changed data while refusing`).toBe(before);
      }
    });
  }

  it('the allowed role gets through the guard to the zod parse (garbage input is refused as invalid)', async () => {
    as('ADMIN');
    const { regenerateConnectionString } = await import('../../lib/appliance/actions.ts');
    const before = await snapshot();
    expect(await regenerateConnectionString({ confirm: false } as never)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await regenerateConnectionString('nonsense' as never)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await snapshot()).toBe(before);
  });
});

describe('every route handler', () => {
  it('exists', () => expect(routeFiles.length).toBeGreaterThan(0));

  for (const file of routeFiles) {
    it(`${file}: refuses a caller without credentials unless public by design`, async () => {
      const mod = (await import(path.resolve(file))) as Record<string, unknown>;
      const methods = Object.keys(mod).filter((k) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(k));
      expect(methods.length).toBeGreaterThan(0);
      if (PUBLIC_ROUTES[file]) return;
      as(null);
      for (const method of methods) {
        const handler = mod[method] as (req: Request, ctx: unknown) => Promise<Response>;
        const request = new Request('https://127.0.0.1/x', {
          method,
          headers: { 'x-forwarded-for': '192.0.2.1', 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
        });
        const response = await handler(request, { params: Promise.resolve({}) });
        expect([401, 403], `${file} ${method} → ${response.status}`).toContain(response.status);
      }
    });
  }

  it('public routes are the listed ones only', () => {
    for (const file of Object.keys(PUBLIC_ROUTES)) expect(routeFiles).toContain(file);
  });
});
