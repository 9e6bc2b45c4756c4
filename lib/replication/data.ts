import { describeTables } from '../backups/data.ts';
import type { TableInfo } from '../backups/tables.ts';
import { db, type Tx } from '../db/client.ts';
import type { TableChanges } from '../peer/replication-protocol.ts';
import { auditBounds, auditDigestSql, tableDigestSql, type EntityDigest, type Positions } from './digest.ts';
import { selectByKeysSql } from './sql.ts';
import { APPLY_ORDER, isReplicatedTable, PER_APPLIANCE_ENTITIES, rowsOf, type ReplicatedTableName, type RowRef } from './tables.ts';

type Raw = Pick<Tx, '$queryRawUnsafe'>;

let described: Promise<Map<ReplicatedTableName, TableInfo>> | undefined;

// The replicated tables as the catalog describes them (columns, types, primary keys). The schema only
// changes with a new software version, which restarts the process.
export function replicatedTables(client: Raw = db()): Promise<Map<ReplicatedTableName, TableInfo>> {
  described ??= describeTables(client)
    .then((all) => new Map(all.filter((t) => isReplicatedTable(t.name)).map((t) => [t.name as ReplicatedTableName, t])))
    .catch((error: unknown) => {
      described = undefined;
      throw error;
    });
  return described;
}

// Kept small enough for one peer request and one receiving transaction.
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_ROWS = 5000;

export type OutgoingBatch = {
  upTo: bigint;
  records: number;
  changes: TableChanges[];
  newestAt: number | null;
};

const keyString = (table: TableInfo, key: Record<string, unknown>) => table.primaryKey.map((c) => String(key[c])).join('\u0000');

// The journal records after `after` and the rows they touched, as they are now, all read in ONE
// repeatable-read snapshot: the rows sent are exactly the state those records lead to. Null when there
// is nothing after `after`. Records of per-appliance entities are passed over (but counted in upTo).
export async function readJournalBatch(after: bigint): Promise<OutgoingBatch | null> {
  const tables = await replicatedTables();
  return db().$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const records = await tx.$queryRaw<{ seq: bigint; entity: string; key: string; payload: unknown; createdAt: Date }[]>`
      SELECT seq, entity, key, payload, created_at AS "createdAt" FROM "journal" WHERE seq > ${after}::bigint ORDER BY seq LIMIT ${MAX_BATCH_RECORDS}`;
    if (records.length === 0) return null;
    const refs = new Map<ReplicatedTableName, Map<string, RowRef['key']>>();
    let count = 0;
    let taken = 0;
    for (const record of records) {
      if (taken > 0 && count >= MAX_BATCH_ROWS) break;
      taken++;
      if (PER_APPLIANCE_ENTITIES.has(record.entity as never)) continue;
      for (const ref of rowsOf(record)) {
        const table = tables.get(ref.table)!;
        const byKey = refs.get(ref.table) ?? new Map();
        refs.set(ref.table, byKey);
        const k = keyString(table, ref.key);
        if (!byKey.has(k)) count++;
        byKey.set(k, ref.key);
      }
    }
    const changes: TableChanges[] = [];
    for (const name of APPLY_ORDER) {
      const wanted = refs.get(name);
      if (!wanted?.size) continue;
      const table = tables.get(name)!;
      const found = await tx.$queryRawUnsafe<{ line: string }[]>(selectByKeysSql(table), JSON.stringify([...wanted.values()]));
      const present = new Set(found.map(({ line }) => keyString(table, JSON.parse(line) as Record<string, unknown>)));
      changes.push({
        table: name,
        rows: found.map((r) => r.line),
        deleted: [...wanted].filter(([k]) => !present.has(k)).map(([, key]) => key),
      });
    }
    const last = records[taken - 1]!;
    return { upTo: last.seq, records: taken, changes, newestAt: last.createdAt.getTime() };
  });
}

export async function journalHead(): Promise<{ seq: bigint; oldest: bigint | null }> {
  const [row] = await db().$queryRaw<{ seq: bigint | null; oldest: bigint | null }[]>`
    SELECT max(seq) AS seq, min(seq) AS oldest FROM "journal"`;
  return { seq: row?.seq ?? 0n, oldest: row?.oldest ?? null };
}

// When the oldest record after `seq` was committed: how far behind a peer that applied `seq` is.
export async function oldestAfter(seq: bigint): Promise<Date | null> {
  const [row] = await db().$queryRaw<{ at: Date | null }[]>`
    SELECT min(created_at) AS at FROM "journal" WHERE seq > ${seq}::bigint`;
  return row?.at ?? null;
}

export async function getReplicationOrigin(origin: string) {
  return db().replicationOrigin.findUnique({ where: { origin } });
}

export async function getTrustedPeer() {
  return db().trustedHost.findFirst();
}

export async function getApplianceForPeer() {
  return db().appliance.findUniqueOrThrow({
    where: { id: 1 },
    select: { applianceId: true, domain: true, term: true, configuredRole: true, state: true },
  });
}

export type DigestSnapshot = {
  positions: Positions;
  // This console's own audit events up to this id predate the pair and are not on the peer.
  auditSharedAfter: bigint;
  // Every replicated entity's digest, in the same snapshot as `positions`; `peerAuditSharedAfter` is the
  // peer's own bound (its events are compared only after it).
  digests(peerAuditSharedAfter: bigint): Promise<EntityDigest[]>;
};

// Digests take about 10 µs a row (measured: 1 million sensor events in 10 s on 2 busy cores), so this
// bounds a check at about 10 million rows a side; it is also how long a blackholed link goes unnoticed.
export const DIGEST_TIMEOUT_MS = 120_000;

// A drift check's view of this console (lib/replication/digest.ts): where it stands with its peer and
// what it holds, read in ONE repeatable-read snapshot so that the digests are those of that position.
// `read` may call the peer while the snapshot is held (read only, for at most `timeoutMs`).
export async function withDigestSnapshot<T>(
  peerId: string,
  read: (snapshot: DigestSnapshot) => Promise<T>,
  timeoutMs = DIGEST_TIMEOUT_MS,
): Promise<T> {
  const tables = await replicatedTables();
  return db().$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // row_to_json writes timestamps, intervals, floats and bytea as these session settings say: both
      // consoles must write the same text for the same value, whatever their servers' defaults.
      await tx.$queryRawUnsafe(
        `SELECT set_config('TimeZone', 'UTC', true), set_config('IntervalStyle', 'postgres', true), ` +
          `set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', true)`,
      );
      // An empty journal (every record applied and pruned) still has a position: the sequence's last value.
      const [position] = await tx.$queryRawUnsafe<{ head: bigint; self: string }[]>(
        `SELECT COALESCE((SELECT max(seq) FROM "journal"), pg_sequence_last_value(pg_get_serial_sequence('"journal"', 'seq')), 0)::bigint AS head, ` +
          `(SELECT appliance_id::text FROM "appliance" WHERE id = 1) AS self`,
      );
      const [origin] = await tx.$queryRaw<{ appliedSeq: bigint; snapshotId: string | null }[]>`
        SELECT applied_seq AS "appliedSeq", snapshot_id AS "snapshotId" FROM "replication_origin" WHERE origin = ${peerId}::uuid`;
      const positions: Positions = { head: position!.head, appliedSeq: origin && !origin.snapshotId ? origin.appliedSeq : null };
      const [host] = await tx.$queryRaw<{ sharedAfter: bigint }[]>`
        SELECT audit_shared_after AS "sharedAfter" FROM "trusted_host" WHERE appliance_id = ${peerId}::uuid`;
      const auditSharedAfter = host?.sharedAfter ?? 0n;
      const digests = async (peerAuditSharedAfter: bigint): Promise<EntityDigest[]> => {
        const bounds = auditBounds([
          { origin: position!.self, sharedAfter: auditSharedAfter },
          { origin: peerId, sharedAfter: peerAuditSharedAfter },
        ]);
        const out: EntityDigest[] = [];
        for (const name of APPLY_ORDER) {
          const table = tables.get(name)!;
          if (name === 'audit_event') {
            const rows = await tx.$queryRawUnsafe<{ origin: string; rows: bigint; digest: string | null }[]>(
              auditDigestSql(table),
              position!.self,
              bounds,
            );
            for (const r of rows) out.push({ table: name, origin: r.origin, rows: Number(r.rows), digest: r.digest });
          } else {
            const [r] = await tx.$queryRawUnsafe<{ rows: bigint; digest: string | null }[]>(tableDigestSql(table));
            out.push({ table: name, origin: null, rows: Number(r!.rows), digest: r!.digest });
          }
        }
        return out;
      };
      return read({ positions, auditSharedAfter, digests });
    },
    { maxWait: 10_000, timeout: timeoutMs },
  );
}
