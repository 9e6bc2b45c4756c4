import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import type { Role } from '../../lib/auth/roles.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// The guard sees whoever `as()` says; everything else is real: the action, the service writing the
// archive, the database, the route handler. 7-Zip, a separate implementation, opens the archives.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { db } = await import('../../lib/db/client.ts');
const { startExport } = await import('../../lib/export/actions.ts');
const { listExports } = await import('../../lib/export/data.ts');
const { logExportSettled, INTERRUPTED_MESSAGE } = await import('../../lib/export/registry.ts');
const { ZipWriter } = await import('@zip.js/zip.js');
const { GET: download } = await import('../../app/api/v1/system/exports/[id]/route.ts');

const MiB = 1024 * 1024;
let appliance: ApplianceDb;
let dataDir: string;
let logDir: string;
let exportsDir: string;
let userIds: Record<string, string>;

function as(role: Role | null) {
  const username = role ? appliance.users[role] : '';
  session = role
    ? { user: { id: userIds[username]!, name: username, role }, lastActive: Date.now(), authTime: Date.now(), sessionVersion: 0 }
    : null;
}

function sevenZip(...args: string[]) {
  const run = spawnSync('7z', args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function exportFiles(): Promise<string[]> {
  return (await readdir(exportsDir).catch(() => [])).sort();
}

// Everything a refused request must leave alone.
async function snapshot() {
  const [rows, journal, audit, files] = await Promise.all([
    db().logExport.findMany({ orderBy: { createdAt: 'asc' } }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
    exportFiles(),
  ]);
  return JSON.stringify({ rows, journal, audit, files }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

async function exportAndWait(categories: string[]) {
  const result = await startExport({ categories } as never);
  if (!result.ok) throw new Error(result.message);
  await logExportSettled(result.data.id);
  return result.data;
}

// JSON lines like the console's, written a megabyte at a time so the fixture itself is never held whole.
function writeLog(file: string, bytes: number, tag: string) {
  const fd = openSync(file, 'w', 0o640);
  let written = 0;
  let seq = 0;
  while (written < bytes) {
    let block = '';
    while (block.length < MiB)
      block += `{"level":30,"time":"2026-11-25T10:00:00.000Z","category":"${tag}","msg":"heartbeat","sensor":"sensor-${seq % 977}","seq":${seq++}}\n`;
    written += writeSync(fd, block);
  }
  closeSync(fd);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-export-'));
  // OTC_LOG_DIR stays unset: the loggers are silent, so the log files below change only when the test
  // changes them, and the export reads <data>/logs.
  delete process.env.OTC_LOG_DIR;
  process.env.OTC_DATA_DIR = dataDir;
  logDir = path.join(dataDir, 'logs');
  exportsDir = path.join(dataDir, 'exports');
  await mkdir(logDir);
  appliance = await createApplianceDatabase();
  const users = await db().user.findMany();
  userIds = Object.fromEntries(users.map((u) => [u.username, u.id]));

  await writeFile(path.join(logDir, 'auth.log'), '{"msg":"signed in","username":"admin"}\n');
  await writeFile(path.join(logDir, 'auth.1.log'), '{"msg":"rotated once"}\n'.repeat(1000));
  await writeFile(path.join(logDir, 'auth.2.log'), '');
  writeLog(path.join(logDir, 'sensors.log'), 24 * MiB, 'sensors');
  await writeFile(path.join(logDir, 'core.log'), '{"msg":"not selected"}\n');
  await writeFile(path.join(logDir, 'auth-old.log'), '{"msg":"another category name"}\n');
  await writeFile(path.join(logDir, 'auth.1.log.gz'), 'not a log generation');
});

afterAll(async () => {
  vi.restoreAllMocks();
  await appliance?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('log export', () => {
  it('writes the selected categories, rotated files and a 24 MiB log as a stream into an archive 7-Zip opens', async () => {
    // Watch what the service feeds zip.js: every log must arrive as a stream of chunks.
    const add = ZipWriter.prototype.add;
    const fed = new Map<string, { stream: boolean; chunks: number; largest: number }>();
    const spy = vi.spyOn(ZipWriter.prototype, 'add').mockImplementation(function (
      this: InstanceType<typeof ZipWriter>,
      name,
      source,
      options,
    ) {
      if (!(source instanceof ReadableStream)) return add.call(this, name, source, options);
      const seen = { stream: true, chunks: 0, largest: 0 };
      fed.set(name, seen);
      const watched = source.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen.chunks++;
            seen.largest = Math.max(seen.largest, chunk.length);
            controller.enqueue(chunk);
          },
        }),
      );
      return add.call(this, name, watched, options);
    });

    as('ADMIN');
    const lastAudit = (await db().auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } })).id;
    const result = await startExport({ categories: ['sensors', 'auth'] });
    expect(result).toMatchObject({ ok: true, data: { id: expect.any(String), password: expect.stringMatching(/^\S{20}$/) } });
    if (!result.ok) return;
    const { id, password } = result.data;

    // Recorded before the archive is written: running, journaled (metadata only), audited.
    const running = await db().logExport.findUniqueOrThrow({ where: { id } });
    expect(running).toMatchObject({ status: 'running', createdBy: 'admin', categories: ['auth', 'sensors'], fileName: `${id}.zip` });
    const journal = await db().journal.findMany({ where: { entity: 'log-export', key: id } });
    expect(journal.map((j) => [j.op, (j.payload as { status: string }).status])).toEqual([['upsert', 'running']]);
    const audit = await db().auditEvent.findMany({ where: { id: { gt: lastAudit } } });
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'logs.export',
        actor: 'admin',
        target: id,
        outcome: 'success',
        details: { categories: ['auth', 'sensors'] },
      }),
    ]);
    expect((await listExports())[0]).toMatchObject({ id, status: 'running' });

    const progress: number[] = [];
    const settled = logExportSettled(id).then(() => 'done');
    while ((await Promise.race([settled, new Promise((r) => setTimeout(r, 25, 'tick'))])) === 'tick') {
      progress.push((await db().logExport.findUniqueOrThrow({ where: { id } })).progress);
    }
    spy.mockRestore();

    const row = await db().logExport.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'ready', progress: 100, error: null });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    const archive = path.join(exportsDir, `${id}.zip`);
    const info = await stat(archive);
    expect(Number(row.sizeBytes)).toBe(info.size);
    expect(info.mode & 0o777).toBe(0o600);
    // Deflated: JSON lines shrink a lot.
    expect(info.size).toBeLessThan(6 * MiB);
    const final = await db().journal.findMany({ where: { entity: 'log-export', key: id }, orderBy: { seq: 'asc' } });
    expect(final.map((j) => (j.payload as { status: string }).status)).toEqual(['running', 'ready']);

    // The password is nowhere but in the action's answer.
    const stored = JSON.stringify([row, final, await db().auditEvent.findMany({ where: { target: id } })], (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(stored).not.toContain(password);

    // The 24 MiB log reached the writer in many small chunks, never as one buffer.
    expect(fed.get('sensors/sensors.log')).toMatchObject({ stream: true });
    expect(fed.get('sensors/sensors.log')!.chunks).toBeGreaterThan(24);
    expect(fed.get('sensors/sensors.log')!.largest).toBeLessThanOrEqual(MiB);

    const out = path.join(dataDir, 'extracted');
    const extracted = sevenZip('x', `-p${password}`, `-o${out}`, '-y', archive);
    expect(extracted.output).toContain('Everything is Ok');
    expect(extracted.status).toBe(0);
    const names = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(out, path.join(e.parentPath, e.name)))
      .sort();
    expect(names).toEqual(['README.txt', 'auth/auth.1.log', 'auth/auth.2.log', 'auth/auth.log', 'manifest.json', 'sensors/sensors.log']);
    for (const name of names.filter((n) => n.includes('/'))) {
      const [copy, original] = await Promise.all([readFile(path.join(out, name)), readFile(path.join(logDir, path.basename(name)))]);
      expect(copy.equals(original), `${name} differs from the original`).toBe(true);
    }
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ consoleDomain: 'otc-test.local', softwareVersion: '0.0.0-test', categories: ['auth', 'sensors'] });
    expect(manifest.files).toEqual([
      expect.objectContaining({ path: 'auth/auth.log', category: 'auth', sizeBytes: 39 }),
      expect.objectContaining({ path: 'auth/auth.1.log', category: 'auth', sizeBytes: 23_000 }),
      expect.objectContaining({ path: 'auth/auth.2.log', category: 'auth', sizeBytes: 0 }),
      expect.objectContaining({
        path: 'sensors/sensors.log',
        category: 'sensors',
        sizeBytes: (await stat(path.join(logDir, 'sensors.log'))).size,
      }),
    ]);

    expect(manifest.emptyCategories).toEqual([]);
    expect(await readFile(path.join(out, 'README.txt'), 'utf8')).toContain('\nauth: 3 files\nsensors: 1 file\n');
    // WinZip AES-256, deflated, for every entry.
    const listing = sevenZip('l', '-slt', `-p${password}`, archive).output;
    expect(listing.match(/^Method = .*$/gm)).toEqual(Array(6).fill('Method = AES-256 Deflate'));

    const wrong = sevenZip('t', '-pNot-The-Password-1', archive);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toContain('Wrong password');
  });

  it('says in the archive why a chosen category has no file', async () => {
    as('ADMIN');
    const { id, password } = await exportAndWait(['auth', 'ha', 'configuration']);
    const out = path.join(dataDir, 'extracted-empty');
    const extracted = sevenZip('x', `-p${password}`, `-o${out}`, '-y', path.join(exportsDir, `${id}.zip`));
    expect(extracted.status).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const ha = 'no ha.log: high availability is not configured on this console (it is standalone), so nothing is logged in this category.';
    const configuration =
      'no configuration.log: no entries were logged in this category; configuration changes are recorded in the audit category (audit.log).';
    expect(manifest).toMatchObject({
      categories: ['auth', 'ha', 'configuration'],
      emptyCategories: [
        { category: 'ha', reason: ha },
        { category: 'configuration', reason: configuration },
      ],
    });
    expect(await readFile(path.join(out, 'README.txt'), 'utf8')).toContain(`\nauth: 3 files\nha: ${ha}\nconfiguration: ${configuration}\n`);
    expect((await readdir(out)).sort()).toEqual(['README.txt', 'auth', 'manifest.json']);
  });

  it('serves a ready archive to an Admin only, as an attachment, and audits the download', async () => {
    const [latest] = await listExports();
    expect(latest?.status).toBe('ready');
    const id = latest!.id;
    const call = (value: string) =>
      download(new Request(`https://127.0.0.1/api/v1/system/exports/${value}`), { params: Promise.resolve({ id: value }) });

    as('ADMIN');
    const response = await call(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="otc-logs-\d{4}-\d\d-\d\d-\d{6}\.zip"$/);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(await readFile(path.join(exportsDir, `${id}.zip`)))).toBe(true);
    expect(await db().auditEvent.findFirst({ where: { action: 'logs.export-download' }, orderBy: { id: 'desc' } })).toMatchObject({
      actor: 'admin',
      target: id,
      outcome: 'success',
    });

    const before = await snapshot();
    const unknown = await call(randomUUID());
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('There is no such export') });
    const malformed = await call('..%2F..%2Fetc%2Fpasswd');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('An export ID is a UUID') });
    as('SECURITY_ANALYST');
    expect((await call(id)).status).toBe(403);
    as(null);
    expect((await call(id)).status).toBe(401);
    expect(await snapshot()).toBe(before);
  });

  it('refuses bad input with a message and changes nothing', async () => {
    as('ADMIN');
    const before = await snapshot();
    expect(await startExport({ categories: [] })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: 'Choose at least one category.',
    });
    expect(await startExport({ categories: ['auth', 'passwords'] } as never)).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Choose log categories from the list (core, web, auth'),
    });
    expect(await startExport({} as never)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await startExport({ categories: ['auth'], password: 'mine' } as never)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await snapshot()).toBe(before);
  });

  it('writes one export at a time', async () => {
    as('ADMIN');
    const [first, second] = await Promise.all([startExport({ categories: ['sensors'] }), startExport({ categories: ['sensors'] })]);
    const accepted = [first, second].filter((r) => r.ok);
    const refused = [first, second].filter((r) => !r.ok);
    expect(accepted).toHaveLength(1);
    expect(refused).toEqual([{ ok: false, code: 'EXPORT_RUNNING', message: expect.stringContaining('already being written') }]);
    if (accepted[0]?.ok) await logExportSettled(accepted[0].data.id);
    expect(await db().logExport.count({ where: { status: 'running' } })).toBe(0);
  });

  it('ends as failed, with a message the operator can act on, when the archive cannot be written', async () => {
    as('ADMIN');
    // A data directory whose "exports" is a plain file: the archive has nowhere to go.
    const broken = await mkdtemp(path.join(tmpdir(), 'otc-export-broken-'));
    await writeFile(path.join(broken, 'exports'), 'not a directory');
    process.env.OTC_DATA_DIR = broken;
    let id: string;
    try {
      ({ id } = await exportAndWait(['auth']));
    } finally {
      process.env.OTC_DATA_DIR = dataDir;
      await rm(broken, { recursive: true, force: true });
    }
    const row = await db().logExport.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      status: 'failed',
      sizeBytes: null,
      error: expect.stringMatching(
        /^Writing the archive failed \(.*EEXIST.*\)\. Check the free space in the data directory, then export again\.$/,
      ),
    });
    const journal = await db().journal.findMany({ where: { entity: 'log-export', key: id }, orderBy: { seq: 'asc' } });
    expect(journal.map((j) => (j.payload as { status: string }).status)).toEqual(['running', 'failed']);
    const response = await download(new Request('https://127.0.0.1/x'), { params: Promise.resolve({ id }) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('This export failed') });
  });

  it('reports an export cut short by a restart as failed, and closes it with the next export', async () => {
    as('ADMIN');
    const orphan = await db().logExport.create({
      data: { createdBy: 'admin', categories: ['auth'], status: 'running', progress: 40, fileName: 'orphan.zip' },
    });
    expect((await listExports())[0]).toMatchObject({ id: orphan.id, status: 'failed', error: INTERRUPTED_MESSAGE });
    await exportAndWait(['auth']);
    expect(await db().logExport.findUnique({ where: { id: orphan.id } })).toMatchObject({ status: 'failed', error: INTERRUPTED_MESSAGE });
    const journal = await db().journal.findMany({ where: { entity: 'log-export', key: orphan.id } });
    expect(journal.map((j) => (j.payload as { status: string }).status)).toEqual(['failed']);
  });

  it('keeps the last 5 exports: a new one deletes the oldest row and its archive, and stray archives', async () => {
    as('ADMIN');
    while ((await db().logExport.count()) < 5) await exportAndWait(['auth']);
    const rows = await db().logExport.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(rows).toHaveLength(5);
    const oldest = rows[0]!;
    const oldestArchive = path.join(exportsDir, oldest.fileName);
    await writeFile(oldestArchive, 'the oldest archive', { flag: 'a' });
    const stray = path.join(exportsDir, `${randomUUID()}.zip`);
    await writeFile(stray, 'left by a crash');

    const newest = await exportAndWait(['auth']);
    const kept = await db().logExport.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(kept.map((r) => r.id)).toEqual([...rows.slice(1).map((r) => r.id), newest.id]);
    expect(await exportFiles()).toEqual(
      kept
        .filter((r) => r.status === 'ready')
        .map((r) => r.fileName)
        .sort(),
    );
    const deletion = await db().journal.findFirst({ where: { entity: 'log-export', key: oldest.id, op: 'delete' } });
    expect(deletion).not.toBeNull();
    expect((await listExports()).map((e) => e.id)).toEqual(kept.map((r) => r.id).reverse());
  });
});
