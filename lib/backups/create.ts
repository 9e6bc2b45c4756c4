import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { appliancePaths } from '../appliance/paths.ts';
import { SOFTWARE_VERSION } from '../appliance/version.ts';
import { getLogger } from '../logs/logger.ts';
import { getSetting } from '../settings/data.ts';
import type { Actor } from '../audit/actor.ts';
import { encryptStream } from './age-stream.ts';
import { listFinishedBackups, readLastMigration, withSnapshot, type Snapshot } from './data.ts';
import { backupFileName } from './file-name.ts';
import { acquireBackupLock } from './lock.ts';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_NAME, tableFileName, type Manifest } from './manifest.ts';
import { deleteBackupRows, failInterruptedBackups, finishBackup, insertBackupRow, setBackupProgress } from './mutations.ts';
import { expiredBackups } from './retention.ts';
import type { BackupKind } from './schema.ts';
import type { TableInfo } from './tables.ts';
import { packTar, through, type TarEntryInput } from './tar-pack.ts';

export type BackupOutcome =
  | { ok: true; id: string; file: string; fileName: string; sizeBytes: number; sha256: string; recipient: string; manifest: Manifest }
  | { ok: false; code: string; message: string; id?: string };

export type StartedBackup =
  { ok: true; id: string; fileName: string; done: Promise<BackupOutcome> } | { ok: false; code: string; message: string };

export type BackupOptions = {
  // Called inside the snapshot transaction once the snapshot is fixed, before any table is read. Lets
  // a caller commit a write "during" the backup (the consistency test does).
  onSnapshot?: () => Promise<void>;
};

const INTERRUPTED = 'Interrupted: the process making this backup stopped before it finished. Make a new backup.';

// Backups hold password hashes and the connection token: they are never written unencrypted.
export const NO_KEY_MESSAGE =
  'Backups are encrypted, and no encryption key is set yet. Create or paste one under System Settings → Backups → Encryption key, then back up again.';

// Starts a backup and returns as soon as its row exists (status running), with a promise of the
// outcome: the Back Up Now action returns the id at once, the CLI and the scheduler wait.
export async function startBackup(input: { kind: BackupKind; actor: Actor }, options: BackupOptions = {}): Promise<StartedBackup> {
  const recipient = await getSetting('backup.recipient');
  if (!recipient) return { ok: false, code: 'NO_ENCRYPTION_KEY', message: NO_KEY_MESSAGE };
  const dir = appliancePaths().backups;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireBackupLock(dir);
  if (!lock.ok) {
    return {
      ok: false,
      code: 'BACKUP_RUNNING',
      message: `A backup is already being made (process ${lock.pid}). Wait for it to finish. If no backup is running, delete ${lock.file}.`,
    };
  }
  let row;
  try {
    await clearInterrupted(dir);
    const createdAt = new Date();
    row = await insertBackupRow({
      kind: input.kind,
      actor: input.actor,
      createdAt,
      fileName: backupFileName(createdAt, input.kind),
      recipient,
      softwareVersion: SOFTWARE_VERSION,
      lastMigration: await readLastMigration(),
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const done = writeBackup(row, dir, options).finally(lock.release);
  return { ok: true, id: row.id, fileName: row.fileName, done };
}

export async function createBackup(input: { kind: BackupKind; actor: Actor }, options: BackupOptions = {}): Promise<BackupOutcome> {
  const started = await startBackup(input, options);
  return started.ok ? started.done : started;
}

// At console start: rows a killed process left 'running' are marked failed and their partial files
// removed, unless a live process (the CLI, say) holds the lock and is still working on one.
export async function recoverInterruptedBackups(): Promise<number> {
  const dir = appliancePaths().backups;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireBackupLock(dir);
  if (!lock.ok) return 0;
  try {
    return await clearInterrupted(dir);
  } finally {
    await lock.release();
  }
}

async function clearInterrupted(dir: string): Promise<number> {
  const failed = await failInterruptedBackups(INTERRUPTED);
  for (const row of failed) await rm(path.join(/*turbopackIgnore: true*/ dir, row.fileName), { force: true });
  if (failed.length) getLogger('backup').warn({ ids: failed.map((r) => r.id) }, 'interrupted backups marked failed');
  return failed.length;
}

type Spooled = { path: string; bytes: number; rows: number; sha256: string };

// A table's rows go to a temporary file first: a tar header states the entry's size before its bytes.
async function spoolTable(snapshot: Snapshot, table: TableInfo, dir: string): Promise<Spooled> {
  const file = path.join(/*turbopackIgnore: true*/ dir, `${table.name}.jsonl`);
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  async function* lines() {
    for await (const batch of snapshot.rows(table)) {
      const chunk = Buffer.from(batch.map((line) => `${line}\n`).join(''), 'utf8');
      hash.update(chunk);
      bytes += chunk.length;
      rows += batch.length;
      yield chunk;
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(file, { mode: 0o600 }));
  return { path: file, bytes, rows, sha256: hash.digest('hex') };
}

async function writeBackup(
  row: { id: string; kind: string; fileName: string; createdAt: Date; recipient: string | null },
  dir: string,
  options: BackupOptions,
): Promise<BackupOutcome> {
  const log = getLogger('backup');
  const file = path.join(/*turbopackIgnore: true*/ dir, row.fileName);
  const spool = await mkdtemp(path.join(/*turbopackIgnore: true*/ dir, '.spool-'));
  const started = Date.now();
  log.info({ id: row.id, kind: row.kind, file: row.fileName }, 'backup started');
  try {
    const { sizeBytes, sha256, manifest } = await withSnapshot(async (snapshot) => {
      await options.onSnapshot?.();
      const manifest: Manifest = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        kind: row.kind as BackupKind,
        createdAt: row.createdAt.toISOString(),
        appliance: snapshot.appliance,
        softwareVersion: SOFTWARE_VERSION,
        lastMigration: snapshot.lastMigration,
        tables: [],
      };
      async function* entries(): AsyncGenerator<TarEntryInput> {
        for (const [index, table] of snapshot.tables.entries()) {
          const spooled = await spoolTable(snapshot, table, spool);
          const name = tableFileName(table.name);
          manifest.tables.push({
            name: table.name,
            file: name,
            rows: spooled.rows,
            bytes: spooled.bytes,
            sha256: spooled.sha256,
            columns: table.columns.map((c) => ({ name: c.name, type: c.type, encoding: c.json ? 'json-text' : 'json' })),
          });
          yield { name, size: spooled.bytes, mtime: row.createdAt, body: createReadStream(spooled.path) };
          await rm(spooled.path, { force: true });
          await setBackupProgress(row.id, Math.floor(((index + 1) / snapshot.tables.length) * 99));
        }
        // Last, because it holds the checksums of everything before it (one streaming pass).
        const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
        yield { name: MANIFEST_NAME, size: text.length, mtime: row.createdAt, body: [text] };
      }
      const hash = createHash('sha256');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      const encrypted = await encryptStream(through(packTar(entries()), createGzip()), row.recipient!);
      await pipeline(encrypted, measure, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      return { sizeBytes: size, sha256: hash.digest('hex'), manifest };
    });
    await finishBackup(row.id, { status: 'ready', sizeBytes, sha256 });
    log.info({ id: row.id, file: row.fileName, sizeBytes, sha256, ms: Date.now() - started }, 'backup ready');
    if (row.kind === 'scheduled')
      await applyRetention().catch((error: unknown) => log.error({ err: (error as Error).message }, 'backup retention failed'));
    return { ok: true, id: row.id, file, fileName: row.fileName, sizeBytes, sha256, recipient: row.recipient!, manifest };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ id: row.id, err: message }, 'backup failed');
    await rm(file, { force: true });
    await finishBackup(row.id, { status: 'failed', error: message }).catch((e: unknown) =>
      log.error({ id: row.id, err: (e as Error).message }, 'could not record the failure'),
    );
    return { ok: false, code: 'BACKUP_FAILED', message: `The backup failed: ${message}`, id: row.id };
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}

// Keeps the newest `retain` scheduled backups (setting backup.schedule); manual ones are never removed.
export async function applyRetention(): Promise<string[]> {
  const { retain } = await getSetting('backup.schedule');
  const expired = expiredBackups(await listFinishedBackups('scheduled'), retain);
  await deleteBackupRows(expired.map((r) => r.id));
  const dir = appliancePaths().backups;
  for (const row of expired) await rm(path.join(/*turbopackIgnore: true*/ dir, row.fileName), { force: true });
  if (expired.length) getLogger('backup').info({ removed: expired.map((r) => r.fileName), retain }, 'old scheduled backups removed');
  return expired.map((r) => r.fileName);
}
