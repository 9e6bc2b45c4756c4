import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { createApplianceDatabase, USER_PASSWORD, type ApplianceDb } from '../support/appliance-db.ts';

// Who the guard thinks is calling (for the action and route cases); everything else is real.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { db } = await import('../../lib/db/client.ts');
const { SOFTWARE_VERSION } = await import('../../lib/appliance/version.ts');
const { createBackup, startBackup } = await import('../../lib/backups/create.ts');
const { restoreBackup } = await import('../../lib/backups/restore.ts');
const { archiveEntries, readAll } = await import('../../lib/backups/archive.ts');
const { describeTables } = await import('../../lib/backups/data.ts');
const { EXCLUDED_TABLES, snapshotTables } = await import('../../lib/backups/tables.ts');
const { packTar, through } = await import('../../lib/backups/tar-pack.ts');
const { encryptStream } = await import('../../lib/backups/age-stream.ts');
const { formatIdentityFile } = await import('../../lib/backups/identity-file.ts');
const { LOCK_FILE } = await import('../../lib/backups/lock.ts');
const { startBackupScheduler } = await import('../../lib/backups/scheduler.ts');
const { setSetting } = await import('../../lib/settings/mutations.ts');
const { getSetting } = await import('../../lib/settings/data.ts');
const { createUser } = await import('../../lib/users/mutations.ts');
const { recordAudit } = await import('../../lib/audit/mutations.ts');
const { backUpNow, createBackupKey, saveBackupRecipient, saveBackupSchedule } = await import('../../lib/backups/actions.ts');
const { GET: downloadRoute } = await import('../../app/api/v1/system/backups/[id]/route.ts');

type Manifest = import('../../lib/backups/manifest.ts').Manifest;
type Dump = Record<string, string[]>;

let appliance: ApplianceDb;
let dataDir: string;
let backupsDir: string;
let sql: pg.Client;
const actor = { username: 'tester', ip: '192.0.2.10' };
// The key backups are encrypted to in this file (set in beforeAll), and another one that opens none of them.
let key: { identity: string; recipient: string };
let otherKey: { identity: string; recipient: string };
const newKey = async () => {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-backup-'));
  backupsDir = path.join(dataDir, 'backups');
  process.env.OTC_DATA_DIR = dataDir;
  appliance = await createApplianceDatabase();
  sql = new pg.Client({ connectionString: appliance.url });
  await sql.connect();
  key = await newKey();
  otherKey = await newKey();
  await setSetting('backup.recipient', key.recipient, { username: 'system' });
  await fillEveryTable();
});

afterAll(async () => {
  await sql?.end();
  await appliance?.close();
  await rm(dataDir, { recursive: true, force: true });
});

// Every table of the public schema, each row in PostgreSQL's own text form (exact for every type:
// bigint digits, timestamp precision, JSON null vs SQL NULL, array quoting), sorted.
async function dump(): Promise<Dump> {
  const { rows } = await sql.query<{ name: string }>(
    `SELECT relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const out: Dump = {};
  for (const { name } of rows) {
    // A restore gives every user a new session version on purpose (asserted on its own below).
    const result = await sql.query<{ row: string }>(
      `SELECT (to_jsonb(t) - 'session_version')::text AS row FROM "public"."${name}" t ORDER BY 1`,
    );
    out[name] = result.rows.map((r) => r.row);
  }
  return out;
}

async function snapshottedTableNames(): Promise<string[]> {
  return snapshotTables(await describeTables()).map((t) => t.name);
}

async function backupFiles(): Promise<Record<string, string>> {
  const names = (await readdir(backupsDir).catch(() => [] as string[])).sort();
  const out: Record<string, string> = {};
  for (const name of names) {
    const info = await stat(path.join(backupsDir, name));
    out[name] = info.isFile()
      ? createHash('sha256')
          .update(await readFile(path.join(backupsDir, name)))
          .digest('hex')
      : 'dir';
  }
  return out;
}

// Everything a refused restore must leave alone: every table (excluded ones included) and the files.
async function everything() {
  return { tables: await dump(), files: await backupFiles() };
}

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function fillEveryTable(): Promise<void> {
  const system = { username: 'system' };
  const created = await createUser({ username: 'operator.zurich', password: USER_PASSWORD, role: 'SECURITY_ANALYST' }, system);
  if (!created.ok) throw new Error(created.message);
  await db().user.update({
    where: { username: 'viewer' },
    data: { failedAttempts: 3, lockedUntil: new Date('2030-01-02T03:04:05.678Z'), lastSignInAt: new Date('2026-02-03T04:05:06.789Z') },
  });
  // A term beyond 2^53: bigint must survive as digits, not as a float.
  await db().appliance.update({ where: { id: 1 }, data: { term: 2n ** 62n + 1n } });
  await setSetting('console.name', 'Plant 7 "Zürich" ✓', system);
  await setSetting('time.timezone', 'Europe/Berlin', system);
  await setSetting('time.ntpServer', 'ntp.example.test', system);
  await setSetting('session.idleTimeoutMinutes', 45, system);
  await db().activation.create({
    data: {
      subscriptionIds: ['sub-1', 'a,b', '"quoted"', '', 'line\nbreak', 'NULL'],
      committedDevices: 500,
      issuedAt: new Date('2026-01-01T00:00:00.001Z'),
      expiresAt: new Date('2027-01-01T00:00:00.999Z'),
      fileSha256: 'a'.repeat(64),
      fileText: 'signed\nactivation\u2028file\t"text"',
      uploadedBy: 'admin',
    },
  });
  for (const [id, name] of [
    [1, 'default'],
    [10, 'OT cell "A"'],
    [4094, 'Zürich ✓'],
  ] as const)
    await db().vlan.create({ data: { id, name } });
  await db().certificate.create({
    data: {
      source: 'generated',
      subject: 'CN=otc-test.local',
      issuer: 'CN=otc-test.local',
      serial: '01AB',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      fingerprint: 'AB:CD',
      installedBy: 'system',
    },
  });
  await recordAudit({
    actor: 'system',
    action: 'setting.change',
    outcome: 'success',
    details: { nested: { list: [1, 2.5, null, 'x'] }, big: '9223372036854775807' },
  });
  // JSON null and SQL NULL in the same nullable json column must stay different.
  await sql.query(
    `INSERT INTO audit_event (actor, action, outcome, details) VALUES ('t', 'json-null', 'success', 'null'::jsonb), ('t', 'sql-null', 'success', NULL)`,
  );
  // Parent and child tables (foreign keys): a restore must insert them parents first.
  await db().sensor.create({
    data: {
      name: 'sensor-1',
      ip: '192.0.2.51',
      version: '24.1.0',
      credentialHash: 'b'.repeat(64),
      lastHeardAt: new Date('2026-02-03T04:05:06.7Z'),
      clockOffsetMs: -1500,
      counters: { packets: '18446744073709551615', ratio: 0.1 },
      ackedSeq: 2n ** 40n,
      events: {
        create: [
          {
            seq: 1n,
            kind: 'alert',
            occurredAt: new Date('2026-02-03T04:00:00Z'),
            severity: 'high',
            title: 'Unauthorized PLC write',
            payload: { plc: 'PLC-1', values: [1, 2, 3] },
          },
          { seq: 2n ** 40n, kind: 'device-report', occurredAt: new Date('2026-02-03T04:00:01Z'), payload: [] },
        ],
      },
      devices: { create: [{ key: 'mac:00:11:22:33:44:55', protocol: 'modbus', vendor: 'Acme', ip: '10.0.0.5' }] },
    },
  });
  // Rows in the excluded tables, which a restore must leave as they are.
  await db().logExport.create({
    data: { createdBy: 'admin', categories: ['core', 'audit'], status: 'ready', fileName: 'export.tar.gz', sizeBytes: 123n },
  });
  await db().trustedHost.create({
    data: {
      applianceId: '00000000-0000-4000-8000-0000000000aa',
      domain: 'console-b.plant.example',
      address: '192.0.2.12',
      port: 443,
      certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      fingerprint: 'AA'.repeat(32).replace(/(..)(?!$)/g, '$1:'),
      role: 'SECONDARY',
    },
  });
}

async function manifestOf(file: string): Promise<Manifest> {
  for await (const entry of archiveEntries(file, [key]))
    if (entry.name === 'manifest.json') return JSON.parse((await readAll(entry.body, 1e7))!.toString('utf8')) as Manifest;
  throw new Error('no manifest');
}

async function archiveFile(file: string, name: string): Promise<string> {
  for await (const entry of archiveEntries(file, [key])) if (entry.name === name) return (await readAll(entry.body, 1e8))!.toString('utf8');
  throw new Error(`no ${name}`);
}

// Rewrites an archive entry by entry (with the same writers the console uses, encrypted to the same
// key), to make the bad files a restore must refuse.
async function rewriteArchive(
  source: string,
  target: string,
  edit: (entries: { name: string; data: Buffer }[]) => { name: string; data: Buffer }[],
): Promise<string> {
  const entries: { name: string; data: Buffer }[] = [];
  for await (const entry of archiveEntries(source, [key])) entries.push({ name: entry.name, data: (await readAll(entry.body, 1e8))! });
  const edited = edit(entries).map((e) => ({ name: e.name, size: e.data.length, mtime: new Date(), body: [e.data] }));
  await pipeline(await encryptStream(through(packTar(edited), createGzip()), key.recipient), createWriteStream(target));
  return target;
}

const editManifest = (change: (m: Record<string, unknown>) => void) => (entries: { name: string; data: Buffer }[]) =>
  entries.map((e) => {
    if (e.name !== 'manifest.json') return e;
    const m = JSON.parse(e.data.toString('utf8')) as Record<string, unknown>;
    change(m);
    return { name: e.name, data: Buffer.from(JSON.stringify(m)) };
  });

let good: { file: string; manifest: Manifest; atSnapshot: Dump };

describe('a backup', () => {
  it('has rows in every table it snapshots (fill a new table in fillEveryTable)', async () => {
    const tables = await dump();
    const names = await snapshottedTableNames();
    expect(names).toEqual(
      expect.arrayContaining(['appliance', 'user', 'setting', 'journal', 'audit_event', 'activation', 'vlan', 'certificate']),
    );
    for (const name of names) expect(tables[name]!.length, `table ${name} is empty in this test`).toBeGreaterThan(0);
    for (const name of Object.keys(EXCLUDED_TABLES)) expect(names).not.toContain(name);
  });

  it('is a gzip tar, encrypted with age to the configured recipient, with a manifest and one checksummed JSON-lines file per snapshotted table', async () => {
    let atSnapshot: Dump = {};
    const outcome = await createBackup({ kind: 'manual', actor }, { onSnapshot: async () => void (atSnapshot = await dump()) });
    if (!outcome.ok) throw new Error(outcome.message);
    good = { file: outcome.file, manifest: outcome.manifest, atSnapshot };

    expect(path.dirname(outcome.file)).toBe(backupsDir);
    expect(outcome.fileName).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-manual\.tar\.gz\.age$/);
    expect(outcome.recipient).toBe(key.recipient);
    expect((await stat(outcome.file)).mode & 0o777).toBe(0o600);
    expect((await stat(outcome.file)).size).toBe(outcome.sizeBytes);
    expect(await sha256(outcome.file)).toBe(outcome.sha256);
    const row = await db().backup.findUniqueOrThrow({ where: { id: outcome.id } });
    expect(row).toMatchObject({
      status: 'ready',
      progress: 100,
      sha256: outcome.sha256,
      sizeBytes: BigInt(outcome.sizeBytes),
      recipient: key.recipient,
      kind: 'manual',
      createdBy: 'tester',
      softwareVersion: SOFTWARE_VERSION,
    });

    const manifest = await manifestOf(outcome.file);
    const migrations = (await readdir('prisma/migrations', { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(manifest).toMatchObject({
      format: 'otc-backup',
      formatVersion: 1,
      kind: 'manual',
      softwareVersion: SOFTWARE_VERSION,
      lastMigration: migrations.at(-1),
      appliance: { domain: 'otc-test.local' },
    });
    expect(manifest.appliance.id).toBe((await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).applianceId);
    expect(manifest.tables.map((t) => t.name).sort()).toEqual((await snapshottedTableNames()).sort());
    // Restore order: a table after every table it references.
    const order = manifest.tables.map((t) => t.name);
    expect(order.indexOf('sensor')).toBeLessThan(order.indexOf('sensor_event'));
    expect(order.indexOf('sensor')).toBeLessThan(order.indexOf('device'));
    for (const table of manifest.tables) {
      const text = await archiveFile(outcome.file, `tables/${table.name}.jsonl`);
      expect(createHash('sha256').update(text).digest('hex'), table.name).toBe(table.sha256);
      expect(table.rows, table.name).toBe(atSnapshot[table.name]!.length);
      expect(text.split('\n').filter(Boolean).length).toBe(table.rows);
    }
    // Types that lose information in naive JSON keep their exact form.
    expect(await archiveFile(outcome.file, 'tables/appliance.jsonl')).toContain(`"term":${2n ** 62n + 1n}`);
    expect(await archiveFile(outcome.file, 'tables/activation.jsonl')).toContain('"issued_at":"2026-01-01T00:00:00.001+00:00"');
    const audit = await archiveFile(outcome.file, 'tables/audit_event.jsonl');
    expect(audit).toContain('"action":"json-null","target":null,"outcome":"success","ip":null,"details":"null"');
    expect(audit).toContain('"action":"sql-null","target":null,"outcome":"success","ip":null,"details":null');
    // Journaled and audited when it started.
    expect(await db().auditEvent.count({ where: { action: 'backup.create', target: outcome.fileName } })).toBe(1);
    expect(await db().journal.count({ where: { entity: 'backup', key: outcome.id } })).toBe(2); // running, then ready
  });

  it('restores every snapshotted table to exactly its backed-up contents', async () => {
    const { file, atSnapshot } = good;
    // Change and delete data everywhere.
    await db().user.delete({ where: { username: 'viewer' } });
    await createUser({ username: 'intruder', password: USER_PASSWORD, role: 'ADMIN' }, { username: 'system' });
    await setSetting('console.name', 'changed', { username: 'system' });
    await db().vlan.deleteMany();
    await db().vlan.create({ data: { id: 99, name: 'new' } });
    await db().activation.deleteMany();
    await db().sensor.deleteMany(); // cascades to its events and devices
    await db().certificate.update({ where: { id: 1 }, data: { subject: 'CN=other' } });
    await db().appliance.update({ where: { id: 1 }, data: { domain: 'changed.local', term: 5n } });
    await recordAudit({ actor: 'x', action: 'user.delete', outcome: 'success' });
    const beforeRestore = await dump();
    for (const table of [
      'user',
      'setting',
      'journal',
      'audit_event',
      'activation',
      'vlan',
      'certificate',
      'appliance',
      'sensor',
      'sensor_event',
      'device',
    ])
      expect(beforeRestore[table], table).not.toEqual(atSnapshot[table]);

    const versions = async () =>
      new Map((await db().user.findMany({ select: { username: true, sessionVersion: true } })).map((u) => [u.username, u.sessionVersion]));
    const versionsBefore = await versions();
    const restored = await restoreBackup(file, [key], { username: 'restorer', ip: '192.0.2.20' });
    if (!restored.ok) throw new Error(restored.message);
    const after = await dump();
    // No session signed in before the restore survives it, whatever version it carries.
    for (const [username, version] of await versions())
      if (versionsBefore.has(username)) expect(version, username).not.toBe(versionsBefore.get(username));
    // The restore's own audit event is journaled (the audit trail is replicated): that record is new too.
    const notAudit = (rows: unknown[] | undefined) => rows?.filter((r) => !/"entity": "audit"/.test(String(r)));
    for (const table of await snapshottedTableNames()) {
      if (table === 'audit_event') continue;
      if (table === 'journal') expect(notAudit(after[table]), 'table journal').toEqual(notAudit(atSnapshot[table]));
      else expect(after[table], `table ${table}`).toEqual(atSnapshot[table]);
    }
    // The audit trail is the archived one plus the record of this restore.
    const added = after.audit_event!.filter((r) => !atSnapshot.audit_event!.includes(r));
    expect(after.audit_event!.length).toBe(atSnapshot.audit_event!.length + 1);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/"actor": "restorer".*"action": "backup.restore"|"action": "backup.restore".*"actor": "restorer"/);
    // Excluded tables are left as they were.
    for (const table of Object.keys(EXCLUDED_TABLES)) expect(after[table], table).toEqual(beforeRestore[table]);
    expect(restored.rows).toEqual(Object.fromEntries(good.manifest.tables.map((t) => [t.name, t.rows])));

    // Sequences continue after the restored rows.
    const maxAudit = (await db().auditEvent.findFirstOrThrow({ where: { action: { not: 'backup.restore' } }, orderBy: { id: 'desc' } })).id;
    expect((await db().auditEvent.findFirstOrThrow({ where: { action: 'backup.restore' } })).id).toBe(maxAudit + 1n);
    const maxSeq = (await db().journal.findFirstOrThrow({ orderBy: { seq: 'desc' } })).seq;
    await setSetting('console.name', 'after restore', { username: 'system' });
    expect((await db().journal.findFirstOrThrow({ where: { entity: 'setting' }, orderBy: { seq: 'desc' } })).seq).toBe(maxSeq + 1n);
    expect((await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).term).toBe(2n ** 62n + 1n);
  });

  it('is consistent: a write committed while the backup runs is not in it', async () => {
    const usersBefore = await db().user.count();
    const journalBefore = await db().journal.count();
    const outcome = await createBackup(
      { kind: 'manual', actor },
      {
        onSnapshot: async () => {
          // Committed after the snapshot was fixed but before any table was read.
          const created = await createUser({ username: 'during', password: USER_PASSWORD, role: 'READ_ONLY' }, { username: 'system' });
          expect(created.ok).toBe(true);
          await setSetting('console.name', 'during the backup', { username: 'system' });
        },
      },
    );
    if (!outcome.ok) throw new Error(outcome.message);
    expect(await db().user.count()).toBe(usersBefore + 1);
    const rows = Object.fromEntries(outcome.manifest.tables.map((t) => [t.name, t.rows]));
    expect(rows.user).toBe(usersBefore);
    // The backup's own 'running' journal row and its audit event's were committed before the snapshot; the two
    // writes above (and their audit events) were not.
    expect(rows.journal).toBe(journalBefore + 2);
    expect(await archiveFile(outcome.file, 'tables/user.jsonl')).not.toContain('"during"');
    expect(await archiveFile(outcome.file, 'tables/setting.jsonl')).not.toContain('during the backup');
  });

  it('runs one at a time, and takes over a lock left by a dead process', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = await startBackup({ kind: 'manual', actor }, { onSnapshot: () => held });
    if (!first.ok) throw new Error(first.message);
    const second = await createBackup({ kind: 'manual', actor });
    expect(second).toMatchObject({ ok: false, code: 'BACKUP_RUNNING' });
    expect((second as { message: string }).message).toContain(`A backup is already being made (process ${process.pid})`);
    release();
    expect((await first.done).ok).toBe(true);

    // A process killed mid-backup leaves its lock and a 'running' row behind.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(path.join(backupsDir, LOCK_FILE), dead.stdout);
    const orphan = await db().backup.create({
      data: {
        kind: 'manual',
        createdBy: 'x',
        status: 'running',
        fileName: 'orphan.tar.gz',
        softwareVersion: SOFTWARE_VERSION,
        lastMigration: 'm',
      },
    });
    await writeFile(path.join(backupsDir, 'orphan.tar.gz'), 'partial');
    const next = await createBackup({ kind: 'manual', actor });
    expect(next.ok).toBe(true);
    expect(await db().backup.findUniqueOrThrow({ where: { id: orphan.id } })).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Interrupted'),
    });
    expect(await backupFiles()).not.toHaveProperty('orphan.tar.gz');
    expect(await backupFiles()).not.toHaveProperty(LOCK_FILE);
  });
});

describe('a restore refuses, changing nothing,', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'otc-bad-backups-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function expectRefused(file: string, code: string, message: string | RegExp, keys = [key]) {
    const before = await everything();
    const result = await restoreBackup(file, keys, actor);
    expect(result).toMatchObject({ ok: false, code });
    if (typeof message === 'string') expect((result as { message: string }).message).toBe(message);
    else expect((result as { message: string }).message).toMatch(message);
    expect(await everything()).toEqual(before);
  }

  it('a backup made by another software version', async () => {
    const file = await rewriteArchive(
      good.file,
      path.join(dir, 'other-version.tar.gz'),
      editManifest((m) => (m.softwareVersion = '9.9.9')),
    );
    await expectRefused(
      file,
      'VERSION_MISMATCH',
      `This backup was made by version 9.9.9; this console runs ${SOFTWARE_VERSION}. Restore it on a console running 9.9.9.`,
    );
  });

  it('a backup made at another database migration', async () => {
    const file = await rewriteArchive(
      good.file,
      path.join(dir, 'other-migration.tar.gz'),
      editManifest((m) => (m.lastMigration = '20990101000000_future')),
    );
    await expectRefused(
      file,
      'MIGRATION_MISMATCH',
      /^This backup was made at database migration 20990101000000_future; this console's database is at \d+_\w+\./,
    );
  });

  it('a tampered table file (checksum mismatch)', async () => {
    const file = await rewriteArchive(good.file, path.join(dir, 'tampered.tar.gz'), (entries) =>
      entries.map((e) =>
        e.name === 'tables/vlan.jsonl' ? { name: e.name, data: Buffer.from(e.data.toString().replace('default', 'evil')) } : e,
      ),
    );
    await expectRefused(
      file,
      'CHECKSUM_MISMATCH',
      `${file} is damaged: tables/vlan.jsonl does not match its checksum in the manifest. Use an intact copy of the backup.`,
    );
  });

  it('a table file missing from the archive', async () => {
    const file = await rewriteArchive(good.file, path.join(dir, 'missing-table.tar.gz'), (entries) =>
      entries.filter((e) => e.name !== 'tables/user.jsonl'),
    );
    await expectRefused(file, 'DAMAGED', `${file} is damaged: tables/user.jsonl is listed in the manifest but missing from the archive.`);
  });

  it('a truncated archive', async () => {
    const bytes = await readFile(good.file);
    const file = path.join(dir, 'truncated.tar.gz.age');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefused(
      file,
      'DAMAGED',
      `${file} is damaged or incomplete: part of its encrypted contents fails authentication (changed, or cut off during a copy). Use an intact, complete copy.`,
    );
  });

  it('an archive with one byte of its encrypted contents changed', async () => {
    const bytes = await readFile(good.file);
    bytes[bytes.length - 100]! ^= 0x01;
    const file = path.join(dir, 'flipped.tar.gz.age');
    await writeFile(file, bytes);
    await expectRefused(
      file,
      'DAMAGED',
      `${file} is damaged or incomplete: part of its encrypted contents fails authentication (changed, or cut off during a copy). Use an intact, complete copy.`,
    );
  });

  it('an archive whose encryption header was changed', async () => {
    const bytes = await readFile(good.file);
    const mac = bytes.indexOf('\n--- ') + 5; // the header's MAC, after the recipient stanza
    bytes[mac] = bytes[mac] === 0x41 ? 0x42 : 0x41;
    const file = path.join(dir, 'header.tar.gz.age');
    await writeFile(file, bytes);
    await expectRefused(
      file,
      'DAMAGED',
      `${file} is damaged: its encryption header does not verify (invalid header HMAC). Use an intact copy of the backup.`,
    );
  });

  it('a backup whose recipient stanza was changed, given the right key', async () => {
    const bytes = await readFile(good.file);
    // Line 3 of the header is the file key wrapped for the recipient.
    const wrapped = bytes.indexOf('\n', bytes.indexOf('\n') + 1) + 1;
    bytes[wrapped] = bytes[wrapped] === 0x41 ? 0x42 : 0x41;
    // Under its own name, which this console has a record of.
    const file = path.join(await mkdtemp(path.join(dir, 'stanza-')), path.basename(good.file));
    await writeFile(file, bytes);
    await expectRefused(
      file,
      'DAMAGED',
      `${file} is damaged: this console encrypted it to ${key.recipient}, the key given, but its encryption header no longer opens with that key. Use an intact copy of the backup.`,
    );
  });

  it('a backup encrypted to another key, naming the recipient this console recorded for it', async () => {
    await expectRefused(
      good.file,
      'WRONG_KEY',
      `This backup was encrypted to a different key (recipient ${key.recipient}); the identity given is for ${otherKey.recipient}. Restore with the identity file saved when that key was created. Nothing was changed.`,
      [otherKey],
    );
  });

  it('a copied-in backup encrypted to another key (no record of it on this console)', async () => {
    const file = path.join(dir, 'copied-in.tar.gz.age');
    await writeFile(file, await readFile(good.file));
    await expectRefused(
      file,
      'WRONG_KEY',
      `This backup was encrypted to a different key: the identity given is for ${otherKey.recipient}, which does not open ${file}. Restore with the identity file saved when the backup's encryption key was created. Nothing was changed.`,
      [otherKey],
    );
  });

  it('an unencrypted .tar.gz backup', async () => {
    const file = path.join(dir, 'plain.tar.gz');
    await pipeline(
      packTar([{ name: 'manifest.json', size: 2, mtime: new Date(), body: [Buffer.from('{}')] }]),
      createGzip(),
      createWriteStream(file),
    );
    await expectRefused(
      file,
      'NOT_ENCRYPTED',
      `${file} is an unencrypted backup (.tar.gz) from an earlier version; this version restores only encrypted backups (.tar.gz.age). Restore it on a console running the version that made it.`,
    );
  });

  it('a file that is not an age-encrypted file', async () => {
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'these are not the backups you are looking for\n');
    await expectRefused(file, 'NOT_AN_ARCHIVE', `${file} is not a console backup: it is not an age-encrypted file.`);
  });

  it('age-encrypted content that is not a gzip tar', async () => {
    const file = path.join(dir, 'not-tar.age');
    await pipeline(await encryptStream(Readable.from([Buffer.from('hello')]), key.recipient), createWriteStream(file));
    const result = await restoreBackup(file, [key], actor);
    expect(result).toMatchObject({ ok: false, code: 'DAMAGED' });
    expect((result as { message: string }).message).toMatch(
      /is not a console backup: it decrypts, but what it holds is not a gzip-compressed tar archive/,
    );
  });

  it('an archive without a manifest', async () => {
    const file = await rewriteArchive(good.file, path.join(dir, 'no-manifest.tar.gz'), (entries) =>
      entries.filter((e) => e.name !== 'manifest.json'),
    );
    await expectRefused(file, 'NO_MANIFEST', `${file} has no manifest.json: it is not a console backup, or it is incomplete.`);
  });

  it('a format version this console does not know', async () => {
    const file = await rewriteArchive(
      good.file,
      path.join(dir, 'future-format.tar.gz'),
      editManifest((m) => (m.formatVersion = 2)),
    );
    await expectRefused(
      file,
      'UNKNOWN_FORMAT',
      `${file} uses backup format 2; this console reads format 1. Restore it on a console running the version that made it.`,
    );
  });

  it('a file that does not exist', async () => {
    await expectRefused(path.join(dir, 'nope.tar.gz.age'), 'NOT_FOUND', `There is no file ${path.join(dir, 'nope.tar.gz.age')}.`);
  });

  it('and rolls back a restore whose rows do not fit, even with matching checksums', async () => {
    const file = await rewriteArchive(good.file, path.join(dir, 'bad-row.tar.gz'), (entries) => {
      const bad = Buffer.from('{"id":"not a number","name":"x","updated_at":"2026-01-01T00:00:00+00:00"}\n');
      const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString()) as Manifest;
      const vlan = manifest.tables.find((t) => t.name === 'vlan')!;
      const data = Buffer.concat([entries.find((e) => e.name === 'tables/vlan.jsonl')!.data, bad]);
      Object.assign(vlan, { rows: vlan.rows + 1, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      return entries.map((e) =>
        e.name === 'manifest.json'
          ? { name: e.name, data: Buffer.from(JSON.stringify(manifest)) }
          : e.name === 'tables/vlan.jsonl'
            ? { name: e.name, data }
            : e,
      );
    });
    await expectRefused(
      file,
      'RESTORE_FAILED',
      'The restore failed and was rolled back; nothing was changed. invalid input syntax for type integer: "not a number"',
    );
  });
});

describe('retention', () => {
  it('keeps the newest `retain` scheduled backups (rows and files) and never removes manual ones', async () => {
    await setSetting(
      'backup.schedule',
      { frequency: 'daily', time: '02:00', weekday: 0, timezone: 'UTC', retain: 2 },
      { username: 'system' },
    );
    const manual = await db().backup.findMany({ where: { kind: 'manual' } });
    const made: { id: string; fileName: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await createBackup({ kind: 'scheduled', actor: { username: 'system:scheduler' } });
      if (!outcome.ok) throw new Error(outcome.message);
      made.push(outcome);
    }
    const scheduled = await db().backup.findMany({ where: { kind: 'scheduled' }, orderBy: { createdAt: 'asc' } });
    expect(scheduled.map((r) => r.id)).toEqual([made[1]!.id, made[2]!.id]);
    const files = await backupFiles();
    expect(files).not.toHaveProperty(made[0]!.fileName);
    expect(files).toHaveProperty(made[1]!.fileName);
    expect(files).toHaveProperty(made[2]!.fileName);
    expect((await db().backup.findMany({ where: { kind: 'manual' } })).length).toBe(manual.length);
    for (const row of manual.filter((r) => r.status === 'ready')) expect(files).toHaveProperty(row.fileName);
    expect(await db().journal.count({ where: { entity: 'backup', key: made[0]!.id, op: 'delete' } })).toBe(1);
  });
});

describe('the backup scheduler', () => {
  it('makes one scheduled backup when the scheduled time passes, never overlapping, and stops when told', async () => {
    await setSetting(
      'backup.schedule',
      { frequency: 'daily', time: '02:00', weekday: 0, timezone: 'Europe/Berlin', retain: 10 },
      { username: 'system' },
    );
    const scheduled = () => db().backup.findMany({ where: { kind: 'scheduled', createdBy: 'system:scheduler' } });
    const before = (await scheduled()).length;
    // A clock of our own: 01:59:59 in Berlin (UTC+1 in January), moved past 02:00 once the scheduler runs.
    // Each check reads the clock; counting the reads tells when the scheduler has looked again, so every
    // "nothing happened" below follows checks that did happen, however slow the machine.
    let clock = Date.parse('2026-01-15T00:59:59.000Z');
    let reads = 0;
    const checksAfter = async (n: number) => {
      const target = reads + n;
      while (reads < target) await new Promise((r) => setTimeout(r, 10));
    };
    const stop = startBackupScheduler({ now: () => (reads++, new Date(clock)), maxSleepMs: 20 });
    try {
      await checksAfter(6);
      expect((await scheduled()).length).toBe(before);
      clock = Date.parse('2026-01-15T01:00:01.000Z');
      while ((await scheduled()).filter((r) => r.status === 'ready').length === before) await new Promise((r) => setTimeout(r, 50));
      // Many more checks at the same (past) time: still exactly one run for that day.
      await checksAfter(10);
      const rows = await scheduled();
      expect(rows.length).toBe(before + 1);
      expect(rows.filter((r) => r.status === 'ready')).toHaveLength(before + 1);
    } finally {
      // Resolves once a check under way has finished: from here on nothing is planned or running.
      await stop();
    }
    const readsWhenStopped = reads;
    clock = Date.parse('2026-01-16T01:00:01.000Z'); // the next day's run is due, but the scheduler has stopped
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(reads).toBe(readsWhenStopped);
    expect((await scheduled()).length).toBe(before + 1);
  });
});

describe('the backup and restore commands', () => {
  const env = () => ({ ...process.env, DATABASE_URL: appliance.url, OTC_DATA_DIR: dataDir });
  const run = (command: string, args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', `cli/${command}.ts`, ...args], { env: env(), encoding: 'utf8', input });
  let identityFile: string;
  beforeAll(async () => {
    identityFile = path.join(dataDir, 'backup-identity.txt');
    await writeFile(identityFile, formatIdentityFile(key, new Date()), { mode: 0o600 });
  });

  it('back up, then restore the given file or the newest one', async () => {
    const backup = run('cyberx-management-backup', ['-full']);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const [, file, size, hash] = /^Backup written: (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64}), encrypted to (age1\w+)\)\n$/.exec(
      backup.stdout,
    )!;
    expect(backup.stdout).toContain(`encrypted to ${key.recipient})\n`);
    expect(path.dirname(file!)).toBe(backupsDir);
    expect((await stat(file!)).size).toBe(Number(size));
    expect(await sha256(file!)).toBe(hash);
    expect(await db().backup.findFirstOrThrow({ where: { fileName: path.basename(file!) } })).toMatchObject({
      status: 'ready',
      createdBy: `cli:${process.getuid?.() === 0 ? 'root' : userInfo().username}`,
      sha256: hash,
    });

    const name = await getSetting('console.name');
    await setSetting('console.name', 'changed after the CLI backup', { username: 'system' });
    await db().vlan.create({ data: { id: 3000, name: 'after' } });
    const restore = run('cyberx-management-system-restore', ['-i', identityFile, '-b', file!]);
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toMatch(
      new RegExp(
        `^Restored ${file!.replaceAll('.', '\\.')}: made \\S+ on otc-test\\.local \\(version ${SOFTWARE_VERSION.replaceAll('.', '\\.')}\\), \\d+ tables, \\d+ rows\\n$`,
      ),
    );
    expect(await getSetting('console.name')).toBe(name);
    expect(await db().vlan.findUnique({ where: { id: 3000 } })).toBeNull();

    // Without -b: the newest ready backup in the backups directory (the one just made); the identity
    // from standard input.
    await setSetting('console.name', 'changed again', { username: 'system' });
    const newest = run('cyberx-management-system-restore', ['-i', '-'], formatIdentityFile(key, new Date()));
    expect(newest.status).toBe(0);
    expect(newest.stdout).toContain(`Restored ${file}`);
    expect(await getSetting('console.name')).toBe(name);
  });

  it('refuse another version with a one-line reason, and bad arguments with usage', async () => {
    const other = await rewriteArchive(
      good.file,
      path.join(dataDir, 'other-version.tar.gz'),
      editManifest((m) => (m.softwareVersion = '9.9.9')),
    );
    const before = await everything();
    const refused = run('cyberx-management-system-restore', ['-i', identityFile, '-b', other]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `cyberx-management-system-restore: This backup was made by version 9.9.9; this console runs ${SOFTWARE_VERSION}. Restore it on a console running 9.9.9.\n`,
    );
    expect(await everything()).toEqual(before);

    const usage = run('cyberx-management-system-restore', ['-x']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain(
      'usage: cyberx-management-system-restore -i <identity file, or - for standard input> [-b <backup file>]',
    );
    const noIdentity = run('cyberx-management-system-restore', ['-b', good.file]);
    expect(noIdentity.status).toBe(2);
    expect(noIdentity.stderr).toContain('Backups are encrypted: give the identity file that opens them with -i.');
    expect(await everything()).toEqual(before);
    const backupUsage = run('cyberx-management-backup', []);
    expect(backupUsage.status).toBe(2);
    expect(backupUsage.stderr).toBe('cyberx-management-backup: usage: cyberx-management-backup -full\n');
  });
});

describe('the restore command and the identity', () => {
  const env = () => ({ ...process.env, DATABASE_URL: appliance.url, OTC_DATA_DIR: dataDir });
  const restore = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'cli/cyberx-management-system-restore.ts', ...args], {
      env: env(),
      encoding: 'utf8',
      input,
    });

  it('refuses a wrong, unreadable or malformed identity with its reason, changing nothing', async () => {
    const wrong = path.join(dataDir, 'wrong-identity.txt');
    await writeFile(wrong, formatIdentityFile(otherKey, new Date()));
    const before = await everything();
    const cases: [string[], string | undefined, string][] = [
      [
        ['-i', wrong, '-b', good.file],
        undefined,
        `This backup was encrypted to a different key (recipient ${key.recipient}); the identity given is for ${otherKey.recipient}. Restore with the identity file saved when that key was created. Nothing was changed.`,
      ],
      [
        ['-i', path.join(dataDir, 'missing.txt'), '-b', good.file],
        undefined,
        `The identity file ${path.join(dataDir, 'missing.txt')} cannot be read: there is no such file.`,
      ],
      [
        ['-i', '-', '-b', good.file],
        `# public key: ${key.recipient}\n${key.recipient}\n`,
        'standard input, line 2 is a recipient (a public key), not an identity. Give the identity file saved when the key was created (its key line starts with AGE-SECRET-KEY-1).',
      ],
      [
        ['-i', '-', '-b', good.file],
        `${key.identity.slice(0, -1)}${key.identity.endsWith('Q') ? 'P' : 'Q'}\n`,
        'standard input, line 1 is not a valid age identity (damaged or mistyped): its checksum does not match.',
      ],
      [['-i', '-', '-b', good.file], '# nothing here\n', 'standard input holds no age identity (a line starting with AGE-SECRET-KEY-1).'],
    ];
    for (const [args, input, message] of cases) {
      const result = restore(args, input);
      expect(result.stderr, args.join(' ')).toBe(`cyberx-management-system-restore: ${message}\n`);
      expect(result.status).toBe(1);
    }
    expect(await everything()).toEqual(before);
  });

  it('a backup opens with Debian’s own age tool and the saved identity file, and lists as a tar', async () => {
    const identity = path.join(dataDir, 'identity-for-age.txt');
    await writeFile(identity, formatIdentityFile(key, new Date()), { mode: 0o600 });
    const decrypted = spawnSync('age', ['-d', '-i', identity, '-o', path.join(dataDir, 'opened.tar.gz'), good.file], { encoding: 'utf8' });
    expect(decrypted.stderr).toBe('');
    expect(decrypted.status).toBe(0);
    const listing = spawnSync('tar', ['-tzf', path.join(dataDir, 'opened.tar.gz')], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual(['manifest.json', ...good.manifest.tables.map((t) => t.file)].sort());
    const manifest = spawnSync('tar', ['-xzOf', path.join(dataDir, 'opened.tar.gz'), 'manifest.json'], { encoding: 'utf8' });
    expect(JSON.parse(manifest.stdout)).toEqual(good.manifest);
    // And the other key does not open it.
    const other = path.join(dataDir, 'other-for-age.txt');
    await writeFile(other, formatIdentityFile(otherKey, new Date()));
    const refused = spawnSync('age', ['-d', '-i', other, '-o', '/dev/null', good.file], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('no identity matched any of the recipients');
  });
});

describe('the encryption key', () => {
  const asAdmin = async () => {
    const admin = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
    // A restore earlier in this file gave every user a new session version: sign in afresh.
    session = {
      user: { id: admin.id, name: 'admin', role: 'ADMIN' },
      lastActive: Date.now(),
      authTime: Date.now(),
      sessionVersion: admin.sessionVersion,
    };
  };

  it('with no recipient set, no backup is made (manual or scheduled) and nothing is written', async () => {
    await setSetting('backup.recipient', '', { username: 'system' });
    try {
      const rows = await db().backup.count();
      const files = await backupFiles();
      for (const kind of ['manual', 'scheduled'] as const) {
        const outcome = await createBackup({ kind, actor });
        expect(outcome).toEqual({
          ok: false,
          code: 'NO_ENCRYPTION_KEY',
          message:
            'Backups are encrypted, and no encryption key is set yet. Create or paste one under System Settings → Backups → Encryption key, then back up again.',
        });
      }
      await asAdmin();
      expect(await backUpNow({})).toMatchObject({ ok: false, code: 'NO_ENCRYPTION_KEY' });
      expect(await db().backup.count()).toBe(rows);
      expect(await backupFiles()).toEqual(files);
    } finally {
      await setSetting('backup.recipient', key.recipient, { username: 'system' });
    }
  });

  it('Create key stores only the recipient (journaled, audited) and hands out an identity file that opens the next backup', async () => {
    await asAdmin();
    const created = await createBackupKey({});
    if (!created.ok) throw new Error(created.message);
    const { recipient, identityFile } = created.data;
    try {
      expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
      expect(identityFile).toMatch(
        new RegExp(
          `^# created: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n# public key: ${recipient}\\nAGE-SECRET-KEY-1[0-9A-Z]{58}\\n$`,
        ),
      );
      expect(await getSetting('backup.recipient')).toBe(recipient);
      const secret = identityFile.split('\n')[2]!;
      // The secret half is nowhere in the database: not in settings, journal or audit trail.
      for (const rows of Object.values(await dump())) for (const row of rows) expect(row).not.toContain(secret);
      expect(
        await db().journal.count({ where: { entity: 'setting', key: 'backup.recipient', payload: { equals: { value: recipient } } } }),
      ).toBe(1);
      expect(await db().auditEvent.count({ where: { action: 'setting.change', target: 'backup.recipient', actor: 'admin' } })).toBe(1);

      const outcome = await createBackup({ kind: 'manual', actor });
      if (!outcome.ok) throw new Error(outcome.message);
      const file = path.join(dataDir, 'created-identity.txt');
      await writeFile(file, identityFile);
      const opened = spawnSync('age', ['-d', '-i', file, '-o', '/dev/null', outcome.file], { encoding: 'utf8' });
      expect(opened.stderr).toBe('');
      expect(opened.status).toBe(0);
      // The previous key no longer opens new backups.
      const result = await restoreBackup(outcome.file, [key], actor);
      expect(result).toMatchObject({ ok: false, code: 'WRONG_KEY' });
      expect((result as { message: string }).message).toContain(`(recipient ${recipient})`);
    } finally {
      await setSetting('backup.recipient', key.recipient, { username: 'system' });
    }
  });

  it('a pasted recipient is checked, with a specific reason, and a refused one changes nothing', async () => {
    await asAdmin();
    const journal = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const x25519 = (await newKey()).recipient;
    const typo = `${x25519.slice(0, -1)}${x25519.endsWith('q') ? 'p' : 'q'}`;
    const cases: [unknown, string][] = [
      ['', 'Paste a recipient: the public key (age1…) that age-keygen printed for your identity.'],
      [
        key.identity,
        'That is an identity (a secret key), not a recipient. Keep it offline; paste its public key instead (age1…, printed by age-keygen -y <identity file>).',
      ],
      [
        'age1pq1' + 'q'.repeat(60),
        'Only X25519 recipients (age1 followed by 58 characters) are accepted: the age tool on Debian cannot open backups made for post-quantum or plugin recipients.',
      ],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB', 'SSH keys are not accepted: paste an age recipient (age1…), as age-keygen prints it.'],
      ['age1short', 'An age recipient is "age1" followed by 58 lowercase letters and digits (62 characters in all); this is not one.'],
      [typo, 'This recipient has a typo: its checksum does not match. Copy it again from age-keygen’s output.'],
      [42, 'Paste a recipient (age1…).'],
    ];
    for (const [recipient, message] of cases) {
      const result = await saveBackupRecipient({ recipient } as { recipient: string });
      expect(result, String(recipient)).toMatchObject({ ok: false, code: 'INVALID_INPUT', fieldErrors: { recipient: message } });
    }
    expect(await getSetting('backup.recipient')).toBe(key.recipient);
    expect(await db().journal.count({ where: { entity: { not: 'audit' } } })).toBe(journal);

    expect(await saveBackupRecipient({ recipient: `  ${x25519}\n` })).toEqual({ ok: true });
    expect(await getSetting('backup.recipient')).toBe(x25519);
    await setSetting('backup.recipient', key.recipient, { username: 'system' });
  });
});

describe('the Backups page’s actions and the download route', () => {
  const asAdmin = async () => {
    const admin = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
    session = {
      user: { id: admin.id, name: 'admin', role: 'ADMIN' },
      lastActive: Date.now(),
      authTime: Date.now(),
      sessionVersion: admin.sessionVersion,
    };
  };
  const get = (id: string) =>
    downloadRoute(new Request(`https://127.0.0.1/api/v1/system/backups/${id}`), { params: Promise.resolve({ id }) });

  it('Back Up Now returns the id at once; the backup then becomes ready and downloads intact (audited)', async () => {
    await asAdmin();
    const started = await backUpNow({});
    if (!started.ok) throw new Error(started.message);
    const id = started.data.id;
    let row = await db().backup.findUniqueOrThrow({ where: { id } });
    for (let i = 0; i < 200 && row.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      row = await db().backup.findUniqueOrThrow({ where: { id } });
    }
    expect(row.status).toBe('ready');

    const response = await get(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${row.fileName}"`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(row.sha256);
    expect(await db().auditEvent.count({ where: { action: 'backup.download', target: row.fileName, actor: 'admin' } })).toBe(1);
  });

  it('the route answers unknown, unfinished and malformed ids with a message and no audit', async () => {
    await asAdmin();
    const audits = await db().auditEvent.count();
    const unknown = await get('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('There is no such backup') });
    const failed = await db().backup.create({
      data: {
        kind: 'manual',
        createdBy: 'x',
        status: 'failed',
        fileName: 'f.tar.gz',
        softwareVersion: SOFTWARE_VERSION,
        lastMigration: 'm',
        error: 'boom',
      },
    });
    const notReady = await get(failed.id);
    expect(notReady.status).toBe(404);
    expect(await notReady.json()).toEqual({ code: 'NOT_READY', message: 'This backup failed and has no file to download.' });
    const malformed = await get('../../etc/passwd');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ code: 'INVALID_INPUT', message: 'Backups are identified by a UUID.' });
    expect(await db().auditEvent.count()).toBe(audits);
  });

  it('saving the schedule validates each field and changes nothing on bad input', async () => {
    await asAdmin();
    const stored = await getSetting('backup.schedule');
    const journal = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const bad = await saveBackupSchedule({ frequency: 'weekly', time: '25:00', weekday: 3, timezone: 'Mars/Olympus', retain: 0 });
    expect(bad).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      fieldErrors: {
        time: 'Use a 24-hour time such as 02:30.',
        timezone: 'Choose an IANA time zone such as Europe/Berlin or UTC.',
        retain: 'Keep at least one backup.',
      },
    });
    const empty = await saveBackupSchedule({ frequency: 'weekly', time: '03:15', weekday: 3, timezone: 'UTC', retain: Number.NaN });
    expect(empty).toMatchObject({ ok: false, fieldErrors: { retain: 'Enter how many scheduled backups to keep (1–100).' } });
    expect(await getSetting('backup.schedule')).toEqual(stored);
    expect(await db().journal.count({ where: { entity: { not: 'audit' } } })).toBe(journal);

    const schedule = { frequency: 'weekly' as const, time: '03:15', weekday: 3, timezone: 'Europe/Berlin', retain: 5 };
    expect(await saveBackupSchedule(schedule)).toEqual({ ok: true });
    expect(await getSetting('backup.schedule')).toEqual(schedule);
    expect(await db().auditEvent.count({ where: { action: 'setting.change', target: 'backup.schedule', actor: 'admin' } })).toBe(1);
  });
});
