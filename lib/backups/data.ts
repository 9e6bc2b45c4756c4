import { db, type Tx } from '../db/client.ts';
import { qualified, selectRowsSql, snapshotTables, type ColumnInfo, type TableInfo } from './tables.ts';

type Raw = Pick<Tx, '$queryRawUnsafe'>;

// The newest migration applied to this database (names start with a UTC timestamp, and migrations are
// applied in name order).
export async function readLastMigration(client: Raw = db()): Promise<string> {
  const rows = await client.$queryRawUnsafe<{ name: string | null }[]>(
    `SELECT max(migration_name)::text AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const name = rows[0]?.name;
  if (!name) throw new Error('The database has no applied migrations: start the console once to set it up.');
  return name;
}

// Every ordinary or partitioned table of the public schema, with what a backup and a restore need
// to know about it.
export async function describeTables(client: Raw = db()): Promise<TableInfo[]> {
  const tableFilter = `n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`;
  // One after another: inside a transaction they share one connection anyway.
  const columns = await client.$queryRawUnsafe<
    { table: string; name: string; type: string; json: boolean; generated: boolean; sequence: string | null }[]
  >(
    `SELECT c.relname::text AS "table", a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.atttypid IN ('json'::regtype, 'jsonb'::regtype) AS json, a.attgenerated <> '' AS generated,
              pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE ${tableFilter} ORDER BY c.relname, a.attnum`,
  );
  const keys = await client.$queryRawUnsafe<{ table: string; name: string }[]>(
    `SELECT c.relname::text AS "table", a.attname::text AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE i.indisprimary AND ${tableFilter} ORDER BY c.relname, k.ord`,
  );
  const references = await client.$queryRawUnsafe<{ table: string; references: string }[]>(
    `SELECT DISTINCT c.relname::text AS "table", r.relname::text AS "references"
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE k.contype = 'f' AND ${tableFilter}`,
  );
  const tables = new Map<string, TableInfo>();
  const table = (name: string) => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, columns: [], primaryKey: [], references: [] }));
    return t;
  };
  for (const c of columns)
    table(c.table).columns.push({
      name: c.name,
      type: c.type,
      json: c.json,
      generated: c.generated,
      sequence: c.sequence,
    } satisfies ColumnInfo);
  for (const k of keys) table(k.table).primaryKey.push(k.name);
  for (const r of references) table(r.table).references.push(r.references);
  return [...tables.values()];
}

export type Snapshot = {
  tables: TableInfo[];
  lastMigration: string;
  appliance: { id: string; domain: string };
  // The table's rows as JSON lines, a batch at a time, from a cursor (never the whole table at once).
  rows: (table: TableInfo) => AsyncGenerator<string[]>;
  countRows: (table: TableInfo) => Promise<number>;
  // The last journal record the snapshot includes: every later change is in a later record.
  journalPosition: bigint;
};

const SNAPSHOT_TIMEOUT_MS = 2 * 60 * 60_000;
const FETCH_ROWS = 1000;

// Runs `read` inside ONE transaction, REPEATABLE READ and READ ONLY: every table it reads shows the
// database as of the same instant, whatever commits meanwhile. That is what makes a backup consistent
// (a journal row and the setting it describes are either both in it or both not).
export async function withSnapshot<T>(read: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  return db().$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // The first query fixes the snapshot; everything below sees the same one. It also checks that the
      // transaction really is what the backup's consistency rests on.
      const [mode] = await tx.$queryRawUnsafe<{ isolation: string; readOnly: string }[]>(
        `SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS "readOnly"`,
      );
      if (mode?.isolation !== 'repeatable read' || mode.readOnly !== 'on')
        throw new Error(`Snapshot transaction is ${JSON.stringify(mode)}, not repeatable read, read only`);
      const tables = snapshotTables(await describeTables(tx));
      const lastMigration = await readLastMigration(tx);
      const appliance = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { applianceId: true, domain: true } });
      const [head] = await tx.$queryRawUnsafe<{ seq: bigint | null }[]>(`SELECT max(seq) AS seq FROM "journal"`);
      const countRows = async (table: TableInfo) => {
        const [row] = await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${qualified(table.name)}`);
        return Number(row?.n ?? 0);
      };
      let cursors = 0;
      async function* rows(table: TableInfo): AsyncGenerator<string[]> {
        const cursor = `otc_backup_${++cursors}`;
        await tx.$executeRawUnsafe(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${selectRowsSql(table)}`);
        try {
          for (;;) {
            const batch = await tx.$queryRawUnsafe<{ line: string }[]>(`FETCH FORWARD ${FETCH_ROWS} FROM ${cursor}`);
            if (batch.length) yield batch.map((r) => r.line);
            if (batch.length < FETCH_ROWS) break;
          }
        } finally {
          await tx.$executeRawUnsafe(`CLOSE ${cursor}`);
        }
      }
      return read({
        tables,
        lastMigration,
        appliance: { id: appliance.applianceId, domain: appliance.domain },
        rows,
        countRows,
        journalPosition: head?.seq ?? 0n,
      });
    },
    { timeout: SNAPSHOT_TIMEOUT_MS, maxWait: 10_000 },
  );
}

export type BackupView = {
  id: string;
  createdAt: string;
  createdBy: string;
  kind: string;
  status: string;
  progress: number;
  fileName: string;
  sizeBytes: number | null;
  sha256: string | null;
  recipient: string | null;
  softwareVersion: string;
  error: string | null;
};

// For the Backups page: newest first, plain values only (it crosses to the browser).
export async function loadBackupList(take = 100): Promise<BackupView[]> {
  const rows = await db().backup.findMany({ orderBy: { createdAt: 'desc' }, take });
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    kind: r.kind,
    status: r.status,
    progress: r.progress,
    fileName: r.fileName,
    sizeBytes: r.sizeBytes === null ? null : Number(r.sizeBytes),
    sha256: r.sha256,
    recipient: r.recipient,
    softwareVersion: r.softwareVersion,
    error: r.error,
  }));
}

export async function getBackup(id: string) {
  return db().backup.findUnique({ where: { id } });
}

export async function listFinishedBackups(kind: 'manual' | 'scheduled') {
  return db().backup.findMany({ where: { kind, status: { not: 'running' } }, orderBy: { createdAt: 'desc' } });
}

export async function backupStatusByFileName(): Promise<Map<string, string>> {
  const rows = await db().backup.findMany({ select: { fileName: true, status: true } });
  return new Map(rows.map((r) => [r.fileName, r.status]));
}

// The recipient this console recorded for a backup file it made (null for files copied in from elsewhere).
export async function recordedRecipientOf(fileName: string): Promise<string | null> {
  const row = await db().backup.findFirst({ where: { fileName }, select: { recipient: true } });
  return row?.recipient ?? null;
}
