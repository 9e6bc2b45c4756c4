import type { TableInfo } from '../backups/tables.ts';
import { qualified } from '../backups/tables.ts';
import { db, type Tx } from '../db/client.ts';
import { retryOnConflict } from '../db/retry.ts';
import { recordAudit } from '../audit/mutations.ts';
import { JOURNAL_APPEND_LOCK } from '../journal/mutations.ts';
import { noteHigherTerm } from '../ha/live-state.ts';
import { noteReplicatedSeq } from '../sensors/credential-cache.ts';
import type { JournalBatch, SnapshotPart, TableChanges } from '../peer/replication-protocol.ts';
import { replicatedTables } from './data.ts';
import { deleteByKeysSql, deleteUniqueConflictsSql, INSERT_AUDIT_SQL, rowsParameter, UNIQUE_BESIDES_KEY, upsertRowsSql } from './sql.ts';
import { APPLY_ORDER, isReplicatedTable, type ReplicatedTableName } from './tables.ts';

// The receiving side of replication (docs/peer-protocol.md, "Replication"). Each message is applied in
// one transaction together with the position it leads to, so a retried or replayed message is applied
// once or refused, never half.

export type Refusal = { ok: false; status: number; code: string; message: string; appliedSeq?: string | null };
type Sender = { applianceId: string; term: bigint };

const refuse = (status: number, code: string, message: string, appliedSeq?: bigint | null): Refusal => ({
  ok: false,
  status,
  code,
  message,
  appliedSeq: appliedSeq === undefined ? undefined : (appliedSeq?.toString() ?? null),
});

// Adopts a higher term, refuses a lower one. Returns the refusal, or null to go on.
async function checkTerm(tx: Tx, sender: Sender): Promise<Refusal | null> {
  const self = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { term: true } });
  if (sender.term < self.term)
    return refuse(
      409,
      'TERM_STALE',
      `The message carries term ${sender.term}, below this console's term ${self.term}: it comes from a console that is no longer in charge.`,
    );
  if (sender.term > self.term) {
    // The sender led after us: an active console steps down in the same transaction, so that what is
    // stored never says "active" in a term that is not its own (a crash now would boot it so).
    await tx.$executeRaw`UPDATE "appliance" SET term = ${sender.term},
      state = CASE WHEN state = 'ACTIVE' THEN (CASE WHEN configured_role = 'PRIMARY' THEN 'FROZEN' ELSE 'STANDBY' END)::"HaState" ELSE state END
      WHERE id = 1`;
    // And the failover worker of this process learns it now, not at its next read of the database.
    noteHigherTerm(Number(sender.term), 'peer');
  }
  return null;
}

async function writeChanges(
  tx: Tx,
  tables: Map<ReplicatedTableName, TableInfo>,
  changes: readonly TableChanges[],
  ids: Ids,
): Promise<number> {
  const byTable = new Map<string, TableChanges>();
  for (const change of changes) {
    if (!isReplicatedTable(change.table)) throw new UnknownTable(change.table);
    byTable.set(change.table, change);
  }
  let written = 0;
  // Deletes first, children before parents; then writes, parents before children (foreign keys).
  for (const name of [...APPLY_ORDER].reverse()) {
    const change = byTable.get(name);
    if (!change?.deleted.length || name === 'audit_event') continue;
    written += await tx.$executeRawUnsafe(deleteByKeysSql(tables.get(name)!), JSON.stringify(change.deleted));
  }
  for (const name of APPLY_ORDER) {
    const change = byTable.get(name);
    if (!change?.rows.length) continue;
    const table = tables.get(name)!;
    const rows = rowsParameter(change.rows);
    if (name === 'audit_event') {
      written += await tx.$executeRawUnsafe(INSERT_AUDIT_SQL, rows, ids.sender, ids.self);
      continue;
    }
    const unique = UNIQUE_BESIDES_KEY[name];
    if (unique) await tx.$executeRawUnsafe(deleteUniqueConflictsSql(table, unique), rows);
    written += await tx.$executeRawUnsafe(upsertRowsSql(table), rows);
  }
  return written;
}

type Ids = { sender: string; self: string };

export class UnknownTable extends Error {
  constructor(readonly table: string) {
    super(`Table ${table} is not replicated`);
  }
}

async function selfId(tx: Tx): Promise<string> {
  return (await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { applianceId: true } })).applianceId;
}

export type BatchApplied = { ok: true; appliedSeq: bigint; sensorsTouched: string[] };

export async function applyJournalBatch(batch: JournalBatch): Promise<BatchApplied | Refusal> {
  const tables = await replicatedTables();
  const sender = { applianceId: batch.from, term: BigInt(batch.term) };
  try {
    // A deadlock with this console's own writes (sensor events it receives meanwhile) ends the batch's
    // transaction, which then runs again: the peer is not made to wait out its retry interval for it.
    return await retryOnConflict(() =>
      db().$transaction(
        async (tx): Promise<BatchApplied | Refusal> => {
          const termRefusal = await checkTerm(tx, sender);
          if (termRefusal) return termRefusal;
          const [origin] = await tx.$queryRaw<{ appliedSeq: bigint; snapshotId: string | null }[]>`
          SELECT applied_seq AS "appliedSeq", snapshot_id AS "snapshotId" FROM "replication_origin" WHERE origin = ${batch.from}::uuid FOR UPDATE`;
          if (!origin || origin.snapshotId)
            return refuse(
              409,
              'SNAPSHOT_REQUIRED',
              'This console holds no complete snapshot from the sender: a snapshot comes first.',
              null,
            );
          if (BigInt(batch.after) !== origin.appliedSeq)
            return refuse(
              409,
              'OUT_OF_ORDER',
              `The batch follows seq ${batch.after}, but this console has applied the sender's journal up to ${origin.appliedSeq}.`,
              origin.appliedSeq,
            );
          await writeChanges(tx, tables, batch.changes, { sender: batch.from, self: await selfId(tx) });
          await tx.replicationOrigin.update({ where: { origin: batch.from }, data: { appliedSeq: BigInt(batch.upTo) } });
          return { ok: true, appliedSeq: BigInt(batch.upTo), sensorsTouched: sensorIds(batch.changes) };
        },
        { maxWait: 10_000, timeout: 60_000 },
      ),
    );
  } catch (error) {
    const refusal = describeApplyError(error);
    if (refusal) return refusal;
    throw error;
  }
}

// Rows a peer sent that this console's schema does not take (another software version, or a forged
// message) are refused as a whole, naming what did not fit.
function describeApplyError(error: unknown): Refusal | null {
  if (error instanceof UnknownTable) return refuse(422, 'UNKNOWN_TABLE', `${error.table} is not a replicated table.`);
  const message = error instanceof Error ? error.message : String(error);
  if (/invalid input|violates|does not exist|malformed|syntax/i.test(message))
    return refuse(
      422,
      'ROWS_REFUSED',
      `The rows sent do not fit this console's database (${message.split('\n').pop()?.slice(0, 200)}). Both consoles must run the same software version.`,
    );
  return null;
}

function sensorIds(changes: readonly TableChanges[]): string[] {
  const ids = new Set<string>();
  for (const change of changes) {
    if (change.table !== 'sensor') continue;
    for (const row of change.rows) ids.add(String((JSON.parse(row) as { id: unknown }).id));
    for (const key of change.deleted) ids.add(String(key.id));
  }
  return [...ids];
}

// ---- Snapshot -----------------------------------------------------------------------------------

export type SnapshotApplied = { ok: true; received: number; sensorsTouched: string[] };

// What a snapshot replaces on the receiving console: every replicated table, except this console's own
// audit events (its history stays; the sender's is added). Its own journal stays: the primary follows it
// only from the position apply named, and since apply this console (standby) journals nothing but what
// it records itself (its audit trail, sensor events it receives), which the primary must get.
async function beginSnapshot(tx: Tx, part: Extract<SnapshotPart, { part: 'begin' }>, tables: Map<ReplicatedTableName, TableInfo>) {
  const replaced = APPLY_ORDER.filter((t) => t !== 'audit_event').map((t) => qualified(tables.get(t)!.name));
  await tx.$executeRawUnsafe(`TRUNCATE TABLE ${replaced.join(', ')}`);
  await tx.$executeRaw`DELETE FROM "audit_event" WHERE origin IS NOT NULL`;
  await tx.replicationOrigin.upsert({
    where: { origin: part.from },
    create: { origin: part.from, appliedSeq: 0n, snapshotId: part.snapshotId, snapshotParts: 0 },
    update: { appliedSeq: 0n, snapshotId: part.snapshotId, snapshotParts: 0 },
  });
  await tx.trustedHost.updateMany({
    data: { snapshotState: 'receiving', snapshotRows: 0n, snapshotTotal: BigInt(part.totalRows), snapshotSeq: BigInt(part.position) },
  });
}

export async function applySnapshotPart(part: SnapshotPart): Promise<SnapshotApplied | Refusal> {
  const tables = await replicatedTables();
  try {
    return await db().$transaction(
      async (tx): Promise<SnapshotApplied | Refusal> => {
        const termRefusal = await checkTerm(tx, { applianceId: part.from, term: BigInt(part.term) });
        if (termRefusal) return termRefusal;
        if (part.part === 'begin') {
          await beginSnapshot(tx, part, tables);
          return { ok: true, received: 0, sensorsTouched: [] };
        }
        const [origin] = await tx.$queryRaw<{ snapshotId: string | null; parts: number }[]>`
          SELECT snapshot_id AS "snapshotId", snapshot_parts AS parts FROM "replication_origin" WHERE origin = ${part.from}::uuid FOR UPDATE`;
        if (!origin?.snapshotId || origin.snapshotId !== part.snapshotId)
          return refuse(409, 'SNAPSHOT_UNKNOWN', `Snapshot ${part.snapshotId} is not the one this console is receiving: begin again.`);
        if (part.part === 'rows') {
          // The same part again (its answer was lost): already applied, so acknowledged as it was.
          if (part.index < origin.parts) return { ok: true, received: origin.parts, sensorsTouched: [] };
          if (part.index > origin.parts)
            return refuse(409, 'OUT_OF_ORDER', `Snapshot part ${part.index} arrived, but part ${origin.parts} is the next expected.`);
          await writeChanges(tx, tables, [part.changes], { sender: part.from, self: await selfId(tx) });
          await tx.replicationOrigin.update({ where: { origin: part.from }, data: { snapshotParts: { increment: 1 } } });
          await tx.trustedHost.updateMany({ data: { snapshotRows: { increment: part.changes.rows.length } } });
          return { ok: true, received: origin.parts + 1, sensorsTouched: part.changes.table === 'sensor' ? sensorIds([part.changes]) : [] };
        }
        await tx.replicationOrigin.update({
          where: { origin: part.from },
          data: { appliedSeq: BigInt(part.position), snapshotId: null, snapshotParts: 0 },
        });
        await tx.trustedHost.updateMany({
          data: { snapshotState: 'done', snapshotSeq: BigInt(part.position), snapshotAt: new Date(), snapshotRows: BigInt(part.rows) },
        });
        return { ok: true, received: origin.parts, sensorsTouched: [] };
      },
      { maxWait: 10_000, timeout: 120_000 },
    );
  } catch (error) {
    const refusal = describeApplyError(error);
    if (refusal) return refusal;
    throw error;
  }
}

// ---- Pairing state ------------------------------------------------------------------------------

// The secondary's side of apply: the pair is in force, this console follows the primary (read-only), and
// its own journal restarts here — the snapshot replaces what it describes.
export async function becomeSecondary(primary: Sender): Promise<{ ok: true; term: bigint; journalSeq: bigint } | Refusal> {
  return db().$transaction(async (tx) => {
    const host = await tx.trustedHost.findFirst();
    if (!host || host.applianceId !== primary.applianceId || host.role !== 'PRIMARY')
      return refuse(403, 'NOT_PAIRED_WITH_SENDER', 'This console has not recorded the sender as its primary: pair again.');
    const self = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { term: true } });
    const term = primary.term > self.term ? primary.term : self.term;
    await tx.appliance.update({ where: { id: 1 }, data: { configuredRole: 'SECONDARY', state: 'STANDBY', term } });
    // No append can be half-way while the position is read (see JOURNAL_APPEND_LOCK).
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${JOURNAL_APPEND_LOCK}::bigint)`;
    const [head] = await tx.$queryRaw<{ seq: bigint | null }[]>`SELECT max(seq) AS seq FROM "journal"`;
    // Its own audit events so far stay here only (the snapshot keeps them); those after are journaled
    // after `head` and reach the primary. The drift check compares only those (lib/replication/digest.ts).
    const [audit] = await tx.$queryRaw<{ id: bigint | null }[]>`SELECT max(id) AS id FROM "audit_event" WHERE origin IS NULL`;
    await tx.trustedHost.update({
      where: { id: host.id },
      data: { status: 'PAIRED', appliedAt: host.appliedAt ?? new Date(), auditSharedAfter: audit?.id ?? 0n },
    });
    return { ok: true as const, term, journalSeq: head?.seq ?? 0n };
  });
}

// The primary's side of apply, once the secondary took it: the secondary's journal is followed from the
// position it named.
export async function becomePrimary(secondary: { applianceId: string; journalSeq: bigint }): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.appliance.update({ where: { id: 1 }, data: { configuredRole: 'PRIMARY', state: 'ACTIVE' } });
    await tx.replicationOrigin.upsert({
      where: { origin: secondary.applianceId },
      create: { origin: secondary.applianceId, appliedSeq: secondary.journalSeq },
      update: { appliedSeq: secondary.journalSeq, snapshotId: null, snapshotParts: 0 },
    });
    // The snapshot sends every audit event this console holds.
    await tx.trustedHost.updateMany({ data: { status: 'PAIRED', appliedAt: new Date(), auditSharedAfter: 0n } });
  });
}

// Without a trusted host, apply makes this console standalone again (the unpairing step), and forgets
// what it applied from the former peer.
export async function becomeStandalone(): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.appliance.update({ where: { id: 1 }, data: { configuredRole: 'STANDALONE', state: 'ACTIVE' } });
    await tx.replicationOrigin.deleteMany();
  });
}

// ---- The sender's bookkeeping -------------------------------------------------------------------

export async function recordPeerProgress(update: {
  peerAppliedSeq?: bigint;
  reachable: boolean;
  snapshot?: { state: string; rows?: bigint; total?: bigint; seq?: bigint; at?: Date };
}): Promise<void> {
  await db().trustedHost.updateMany({
    data: {
      ...(update.peerAppliedSeq !== undefined ? { peerAppliedSeq: update.peerAppliedSeq } : {}),
      ...(update.reachable ? { lastContactAt: new Date() } : {}),
      ...(update.snapshot
        ? {
            snapshotState: update.snapshot.state,
            ...(update.snapshot.rows !== undefined ? { snapshotRows: update.snapshot.rows } : {}),
            ...(update.snapshot.total !== undefined ? { snapshotTotal: update.snapshot.total } : {}),
            ...(update.snapshot.seq !== undefined ? { snapshotSeq: update.snapshot.seq } : {}),
            ...(update.snapshot.at ? { snapshotAt: update.snapshot.at } : {}),
          }
        : {}),
    },
  });
}

export async function markPeerStatus(status: 'PAIRED' | 'UNREACHABLE'): Promise<void> {
  await db().trustedHost.updateMany({ where: { status: { not: 'PENDING' } }, data: { status } });
}

// Journal records the peer has applied and that are older than the retention window go; so does
// everything older than the window on a console with no peer. What a peer has not applied stays.
export async function pruneJournal(options: { keepAfter: bigint | null; olderThan: Date }): Promise<number> {
  if (options.keepAfter === null) return db().$executeRaw`DELETE FROM "journal" WHERE created_at < ${options.olderThan}`;
  return db().$executeRaw`DELETE FROM "journal" WHERE seq <= ${options.keepAfter}::bigint AND created_at < ${options.olderThan}`;
}

// Events the peer holds, per sensor: what sensors may drop from their outboxes (lib/sensors/durability.ts).
export async function recordReplicatedEvents(held: ReadonlyMap<string, number>): Promise<void> {
  if (held.size === 0) return;
  // In id order, like the liveness writer's, so two bulk updates of the same sensors never deadlock.
  const rows = [...held].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, seq]) => ({ id, seq }));
  await db().$executeRaw`
    UPDATE "sensor" AS s SET replicated_seq = GREATEST(s.replicated_seq, v.seq)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, seq bigint) WHERE s.id = v.id`;
  for (const { id, seq } of rows) noteReplicatedSeq(id, seq);
}

export async function pinPeerCertificate(applianceId: string, certificatePem: string, fingerprint: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const host = await tx.trustedHost.findFirstOrThrow({ where: { applianceId } });
    await tx.trustedHost.update({ where: { id: host.id }, data: { certificatePem, fingerprint } });
    await recordAudit(
      {
        actor: `peer:${host.domain}`,
        action: 'trusted-host.certificate',
        outcome: 'success',
        target: host.domain,
        details: { from: host.fingerprint, to: fingerprint },
      },
      tx,
    );
  });
}
