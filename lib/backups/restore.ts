import { createHash } from 'node:crypto';
import path from 'node:path';
import { SOFTWARE_VERSION } from '../appliance/version.ts';
import { getLogger } from '../logs/logger.ts';
import type { Actor } from '../audit/actor.ts';
import { ArchiveError, archiveEntries, batches, jsonLines, readAll } from './archive.ts';
import { describeTables, readLastMigration, recordedRecipientOf } from './data.ts';
import type { BackupKey } from './identity-file.ts';
import { BACKUP_FORMAT_VERSION, MANIFEST_NAME, manifestHeadSchema, manifestSchema, type Manifest } from './manifest.ts';
import { replaceSnapshotTables } from './mutations.ts';
import { snapshotTables, type TableInfo } from './tables.ts';

export type RestoreFailure = { ok: false; code: string; message: string };
export type VerifiedBackup = { ok: true; manifest: Manifest; tables: TableInfo[] };
export type RestoreOutcome = { ok: true; manifest: Manifest; rows: Record<string, number> } | RestoreFailure;

const MANIFEST_LIMIT = 4 * 1024 * 1024;

const fail = (code: string, message: string): RestoreFailure => ({ ok: false, code, message });

type FileDigest = { sha256: string; bytes: number; rows: number };

async function digest(body: AsyncIterable<Buffer>): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) rows++;
  }
  return { sha256: hash.digest('hex'), bytes, rows };
}

// PostgreSQL's own words, on one line, rather than Prisma's multi-line wrapper around them.
function databaseMessage(error: unknown): string {
  const fromMeta = (error as { meta?: { message?: unknown } }).meta?.message;
  const text =
    typeof fromMeta === 'string'
      ? fromMeta
      : error instanceof Error
        ? (/Message: `([^]*)`/.exec(error.message)?.[1] ?? error.message)
        : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

// No identity unwrapped the archive's file key. age does not say which recipient a file was made
// for (by design), so the recipient comes from this console's own record of the backup, when it has one.
async function wrongKey(file: string, keys: readonly BackupKey[]): Promise<RestoreFailure> {
  const given = keys.map((k) => k.recipient);
  const recorded = await recordedRecipientOf(path.basename(file));
  const givenText = given.length === 1 ? `the identity given is for ${given[0]}` : `the identities given are for ${given.join(', ')}`;
  if (recorded && given.includes(recorded))
    return fail(
      'DAMAGED',
      `${file} is damaged: this console encrypted it to ${recorded}, the key given, but its encryption header no longer opens with that key. Use an intact copy of the backup.`,
    );
  if (recorded)
    return fail(
      'WRONG_KEY',
      `This backup was encrypted to a different key (recipient ${recorded}); ${givenText}. Restore with the identity file saved when that key was created. Nothing was changed.`,
    );
  return fail(
    'WRONG_KEY',
    `This backup was encrypted to a different key: ${givenText}, which does not open ${file}. Restore with the identity file saved when the backup's encryption key was created. Nothing was changed.`,
  );
}

// Reads the whole archive once and decides whether it can be restored here, changing nothing:
// encrypted to one of `keys` and authentic, complete, every table file matching the manifest's
// checksum, a format this console reads, made by this same software version at this same migration,
// for exactly this console's tables and columns.
export async function verifyBackup(file: string, keys: readonly BackupKey[]): Promise<VerifiedBackup | RestoreFailure> {
  const name = file; // as given: the CLI user recognises the path they typed
  let manifestText: string | null = null;
  const files = new Map<string, FileDigest>();
  try {
    for await (const entry of archiveEntries(file, keys)) {
      if (entry.name === MANIFEST_NAME) {
        const bytes = await readAll(entry.body, MANIFEST_LIMIT);
        if (!bytes) return fail('BAD_MANIFEST', `${name} is not a console backup: its manifest.json is implausibly large.`);
        manifestText = bytes.toString('utf8');
      } else if (entry.type === 'file') {
        files.set(entry.name, await digest(entry.body));
      }
    }
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    if (error.problem.code === 'WRONG_KEY') return wrongKey(file, keys);
    return fail(error.problem.code, error.problem.message);
  }
  if (manifestText === null) return fail('NO_MANIFEST', `${name} has no manifest.json: it is not a console backup, or it is incomplete.`);

  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch {
    return fail('BAD_MANIFEST', `${name} is damaged: its manifest.json is not valid JSON.`);
  }
  const head = manifestHeadSchema.safeParse(json);
  if (!head.success) return fail('BAD_MANIFEST', `${name} is not a console backup: its manifest.json is not a backup manifest.`);
  if (head.data.formatVersion !== BACKUP_FORMAT_VERSION) {
    return fail(
      'UNKNOWN_FORMAT',
      `${name} uses backup format ${head.data.formatVersion}; this console reads format ${BACKUP_FORMAT_VERSION}. Restore it on a console running the version that made it.`,
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('BAD_MANIFEST', `${name} is damaged: its manifest.json is invalid (${issue?.path.join('.')}: ${issue?.message}).`);
  }
  const manifest = parsed.data;

  for (const table of manifest.tables) {
    const found = files.get(table.file);
    if (!found) return fail('DAMAGED', `${name} is damaged: ${table.file} is listed in the manifest but missing from the archive.`);
    if (found.sha256 !== table.sha256 || found.bytes !== table.bytes || found.rows !== table.rows) {
      return fail(
        'CHECKSUM_MISMATCH',
        `${name} is damaged: ${table.file} does not match its checksum in the manifest. Use an intact copy of the backup.`,
      );
    }
    files.delete(table.file);
  }
  const unlisted = [...files.keys()].find((f) => f.startsWith('tables/'));
  if (unlisted) return fail('DAMAGED', `${name} is damaged: ${unlisted} is not listed in the manifest.`);

  if (manifest.softwareVersion !== SOFTWARE_VERSION) {
    return fail(
      'VERSION_MISMATCH',
      `This backup was made by version ${manifest.softwareVersion}; this console runs ${SOFTWARE_VERSION}. Restore it on a console running ${manifest.softwareVersion}.`,
    );
  }
  const lastMigration = await readLastMigration();
  if (manifest.lastMigration !== lastMigration) {
    return fail(
      'MIGRATION_MISMATCH',
      `This backup was made at database migration ${manifest.lastMigration}; this console's database is at ${lastMigration}. Restore it on a console whose database is at ${manifest.lastMigration}.`,
    );
  }

  // Same version and migration imply the same tables; checked anyway, since a restore replaces them all.
  const tables = snapshotTables(await describeTables());
  const archived = new Map(manifest.tables.map((t) => [t.name, t]));
  for (const table of tables) {
    const entry = archived.get(table.name);
    const same =
      entry && JSON.stringify(entry.columns.map((c) => [c.name, c.type])) === JSON.stringify(table.columns.map((c) => [c.name, c.type]));
    if (!same)
      return fail(
        'SCHEMA_MISMATCH',
        `${name} does not match this console's database: table ${table.name} ${entry ? 'has different columns' : 'is missing from the backup'}.`,
      );
    archived.delete(table.name);
  }
  const extra = [...archived.keys()][0];
  if (extra)
    return fail(
      'SCHEMA_MISMATCH',
      `${name} does not match this console's database: it holds a table ${extra} that this console does not have.`,
    );
  return { ok: true, manifest, tables };
}

// Replaces this console's data with the backup's. Refuses with a reason, changing nothing, unless
// verifyBackup accepts the file; then restores every snapshotted table in one transaction.
export async function restoreBackup(file: string, keys: readonly BackupKey[], actor: Actor): Promise<RestoreOutcome> {
  const log = getLogger('backup');
  const verified = await verifyBackup(file, keys);
  if (!verified.ok) {
    log.warn({ file, code: verified.code, reason: verified.message }, 'restore refused');
    return verified;
  }
  const { manifest, tables } = verified;
  const byFile = new Map(tables.map((t) => [`tables/${t.name}.jsonl`, t]));
  const order = manifest.tables.map((t) => t.file);

  // Second pass over the archive, inside the restore transaction. Entries come in manifest order,
  // which is foreign-key order (parents first).
  async function* rows() {
    for await (const entry of archiveEntries(file, keys)) {
      const table = byFile.get(entry.name);
      if (!table) continue;
      if (entry.name !== order.shift()) throw new Error(`${entry.name} is out of the manifest's order`);
      for await (const lines of batches(jsonLines(entry.body))) yield { table, lines };
    }
  }
  const started = Date.now();
  try {
    const restored = await replaceSnapshotTables({
      tables,
      batches: rows(),
      expectedRows: Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])),
      audit: {
        actor: actor.username,
        ip: actor.ip,
        action: 'backup.restore',
        outcome: 'success',
        target: path.basename(file),
        details: {
          createdAt: manifest.createdAt,
          domain: manifest.appliance.domain,
          softwareVersion: manifest.softwareVersion,
          rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
        },
      },
    });
    log.info({ file, createdAt: manifest.createdAt, rows: restored, ms: Date.now() - started }, 'backup restored');
    return { ok: true, manifest, rows: restored };
  } catch (error) {
    const message = error instanceof ArchiveError ? error.problem.message : databaseMessage(error);
    log.error({ file, err: message }, 'restore failed and was rolled back');
    return fail('RESTORE_FAILED', `The restore failed and was rolled back; nothing was changed. ${message}`);
  }
}
