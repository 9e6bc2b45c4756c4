import { qualified, quoteIdent, type TableInfo } from '../backups/tables.ts';
import { APPLY_ORDER, REPLICATED_TABLES, type ReplicatedTableName } from './tables.ts';

// The drift check's digests (docs/peer-protocol.md, "Drift check"): what each console holds of every
// replicated table, reduced by PostgreSQL to a row count and one SHA-256, so the two consoles of a pair
// can tell whether they hold the same rows without sending them.
//
// Each row is hashed as the JSON text row_to_json gives of its replicated columns (every column but the
// table's `local` ones, lib/replication/tables.ts), its primary key included. The table's digest is the
// SHA-256 of the count and of the sums of each row hash's four 64-bit words: a sum needs no sort and no
// concatenated text, so memory stays constant however large the table (string_agg would hold the whole
// table as one value, and fails past 1 GB), and because every row hash covers its primary key, equal
// digests mean equal rows in primary-key order. The sums are exact numerics, so nothing wraps.

export type Digest = { rows: number; digest: string | null };
export type EntityDigest = { table: ReplicatedTableName; origin: string | null } & Digest;

// Audit events get an id of each console's own sequence (lib/replication/sql.ts, INSERT_AUDIT_SQL): an
// event is the same on both consoles by its origin and the id it has there, not by the local id.
export const AUDIT_IDENTITY_COLUMNS: readonly string[] = ['id', 'origin', 'origin_id'];

const keptColumns = (table: TableInfo, leaveOut: readonly string[]) => {
  const local = new Set<string>([...(REPLICATED_TABLES[table.name as ReplicatedTableName]?.local ?? []), ...leaveOut]);
  return table.columns
    .filter((c) => !local.has(c.name))
    .map((c) => (c.json ? `t.${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}` : `t.${quoteIdent(c.name)}`));
};

const ROW_HASH = `encode(sha256(convert_to(row_to_json(r)::text, 'UTF8')), 'hex')`;
const WORDS = [1, 17, 33, 49].map((at, i) => `('x' || substr(h, ${at}, 16))::bit(64)::bigint AS w${i}`).join(', ');
const DIGEST =
  `count(*) AS rows, CASE WHEN count(*) = 0 THEN NULL ELSE encode(sha256(convert_to(concat_ws(':', count(*), ` +
  `sum(w0), sum(w1), sum(w2), sum(w3)), 'UTF8')), 'hex') END AS digest`;

// One row: (rows, digest) of the whole table.
export function tableDigestSql(table: TableInfo): string {
  if (table.name === 'audit_event') throw new Error('audit_event is digested per origin: auditDigestSql');
  const columns = keptColumns(table, []);
  return `SELECT ${DIGEST} FROM (SELECT ${WORDS} FROM (SELECT ${ROW_HASH} AS h FROM (SELECT ${columns.join(', ')} FROM ${qualified(table.name)} t) r) hashed) words`;
}

// One row per origin: (origin, rows, digest) of the events recorded on that console. $1 is this
// console's appliance id, the origin of its own events (stored with origin NULL). Each event is hashed
// with its origin and the id it has on its origin console. $2 is a JSON object of origin → id: a
// secondary's own events up to that id predate the pair and stay on it (trusted_host.audit_shared_after),
// so both consoles leave them out.
export function auditDigestSql(table: TableInfo): string {
  const originOf = `COALESCE(t."origin", $1::uuid)`;
  const idThere = `CASE WHEN t."origin" IS NULL THEN t."id" ELSE t."origin_id" END`;
  const columns = [`${originOf} AS "origin"`, `${idThere} AS "id"`, ...keptColumns(table, AUDIT_IDENTITY_COLUMNS)];
  const shared = `${idThere} > COALESCE(($2::jsonb ->> ${originOf}::text)::bigint, 0)`;
  return (
    `SELECT origin::text AS origin, ${DIGEST} FROM (SELECT origin, ${WORDS} FROM (SELECT r."origin", ${ROW_HASH} AS h FROM ` +
    `(SELECT ${columns.join(', ')} FROM ${qualified(table.name)} t WHERE ${shared}) r) hashed) words GROUP BY origin ORDER BY origin`
  );
}

// The audit bounds of both consoles, as auditDigestSql takes them.
export const auditBounds = (bounds: readonly { origin: string; sharedAfter: bigint }[]) =>
  JSON.stringify(Object.fromEntries(bounds.map((b) => [b.origin, b.sharedAfter.toString()])));

// Where one console stands: its own journal's head, and how far it has applied its peer's journal
// (null without a complete snapshot from the peer).
export type Positions = { head: bigint; appliedSeq: bigint | null };

// Both consoles' digests describe the same journal position only when each has applied exactly what the
// other has written. Anything else is replication still moving, never drift.
export function isSettled(local: Positions, peer: Positions): boolean {
  return local.appliedSeq !== null && peer.appliedSeq !== null && peer.appliedSeq === local.head && local.appliedSeq === peer.head;
}

export type DriftEntity = {
  // The table, or for audit events "audit_event of <console>".
  entity: string;
  table: ReplicatedTableName;
  origin: string | null;
  local: Digest;
  peer: Digest;
  same: boolean;
};

const NO_ROWS: Digest = { rows: 0, digest: null };
const keyOf = (d: { table: string; origin: string | null }) => `${d.table}\u0000${d.origin ?? ''}`;

// Pairs up the two consoles' digests, every replicated table once and audit events once per origin that
// either console holds (always both consoles' own). An entity one side has no rows of is compared with
// no rows. `consoles` names the origins for people: this console's and the peer's appliance ids first.
export function compareDigests(
  local: readonly EntityDigest[],
  peer: readonly EntityDigest[],
  consoles: readonly { applianceId: string; name: string }[],
): DriftEntity[] {
  const mine = new Map(local.map((d) => [keyOf(d), d]));
  const theirs = new Map(peer.map((d) => [keyOf(d), d]));
  const origins = [...new Set([...local, ...peer].filter((d) => d.table === 'audit_event' && d.origin).map((d) => d.origin!))];
  const known = consoles.map((c) => c.applianceId);
  const ordered = [...known, ...origins.filter((o) => !known.includes(o)).sort()];
  const nameOf = (origin: string) => consoles.find((c) => c.applianceId === origin)?.name ?? origin;
  const entities: DriftEntity[] = [];
  const add = (table: ReplicatedTableName, origin: string | null, entity: string) => {
    const key = keyOf({ table, origin });
    const a = mine.get(key) ?? NO_ROWS;
    const b = theirs.get(key) ?? NO_ROWS;
    entities.push({
      entity,
      table,
      origin,
      local: { rows: a.rows, digest: a.digest },
      peer: { rows: b.rows, digest: b.digest },
      same: a.rows === b.rows && a.digest === b.digest,
    });
  };
  for (const table of APPLY_ORDER) {
    if (table !== 'audit_event') add(table, null, table);
    else for (const origin of ordered) add(table, origin, `audit_event of ${nameOf(origin)}`);
  }
  return entities;
}
