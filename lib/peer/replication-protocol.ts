import { z } from 'zod';
import { PEER_PROTOCOL_VERSION } from './protocol.ts';

// Messages on the mutual-TLS peer channel once a pair is applied (docs/peer-protocol.md, "Replication").
// Every message names its sender and the sender's term: the receiver checks the sender is the console
// it pinned, and refuses a term lower than the one it has adopted.

const uuid = z.uuid();
// 64-bit counters travel as decimal strings: a JSON number is exact only to 2^53.
const counter = z.string().regex(/^\d{1,20}$/, 'A decimal integer.');
// The tables a peer may write (lib/replication/tables.ts says how each is treated).
export const REPLICATED_TABLE_NAMES = ['user', 'setting', 'vlan', 'activation', 'sensor', 'sensor_event', 'device', 'audit_event'] as const;
const tableName = z.enum(REPLICATED_TABLE_NAMES, { error: 'Not a replicated table.' });

const envelope = {
  protocol: z.literal(PEER_PROTOCOL_VERSION),
  from: uuid,
  term: counter,
};

// Apply (pairing step 3): the primary tells the pending secondary that the pair is now in force.
export const applyRequest = z.object({ ...envelope }).strict();
// `journalSeq`: where the secondary's own journal starts for the primary (its history before the pair is
// replaced by the snapshot, so none of it is sent).
export const applyResponse = z.object({ applied: z.literal(true), term: counter, journalSeq: counter }).strict();

// Where the receiver stands with the sender's journal; asked before streaming and after any refusal.
export const helloRequest = z.object({ ...envelope }).strict();
export const helloResponse = z
  .object({
    applianceId: uuid,
    term: counter,
    configuredRole: z.enum(['STANDALONE', 'PRIMARY', 'SECONDARY']),
    state: z.enum(['ACTIVE', 'STANDBY', 'FROZEN']),
    // The last seq of the sender's journal applied here; null when none was ever applied.
    appliedSeq: counter.nullable(),
    // A snapshot from the sender was begun here and not finished.
    snapshotIncomplete: z.boolean(),
  })
  .strict();
export type HelloResponse = z.infer<typeof helloResponse>;

// The rows of one table, as the sender's database renders them (row_to_json), to write as they are; and
// the primary keys of rows that no longer exist there.
export const tableChanges = z
  .object({
    table: tableName,
    rows: z.array(z.string().max(4 * 1024 * 1024)).max(10_000),
    deleted: z.array(z.record(z.string(), z.union([z.string(), z.number()]))).max(10_000),
  })
  .strict();
export type TableChanges = z.infer<typeof tableChanges>;

// One batch of the sender's journal: every record with after < seq <= upTo, as the rows they touched.
// The receiver applies it only if `after` is exactly what it last applied from this sender, so a replayed,
// reordered or duplicated batch changes nothing and is answered with where the receiver stands.
export const journalBatch = z
  .object({
    ...envelope,
    after: counter,
    upTo: counter,
    records: z.number().int().nonnegative(),
    changes: z.array(tableChanges).max(64),
    // When the newest record of the batch was committed on the sender (ms since the epoch): lag.
    newestAt: z.number().int().nonnegative().nullable(),
  })
  .strict()
  .refine((b) => BigInt(b.upTo) >= BigInt(b.after), { message: 'upTo is below after.', path: ['upTo'] });
export type JournalBatch = z.infer<typeof journalBatch>;
export const journalAck = z.object({ appliedSeq: counter }).strict();

// The initial snapshot, in parts: begin (the receiver empties what it will receive), rows, end (the
// receiver records the journal position the snapshot corresponds to). Parts carry the snapshot's id, so a
// part of an abandoned snapshot is refused.
export const snapshotPart = z.discriminatedUnion('part', [
  z
    .object({ ...envelope, part: z.literal('begin'), snapshotId: uuid, position: counter, totalRows: z.number().int().nonnegative() })
    .strict(),
  z
    .object({ ...envelope, part: z.literal('rows'), snapshotId: uuid, index: z.number().int().nonnegative(), changes: tableChanges })
    .strict(),
  z.object({ ...envelope, part: z.literal('end'), snapshotId: uuid, position: counter, rows: z.number().int().nonnegative() }).strict(),
]);
export type SnapshotPart = z.infer<typeof snapshotPart>;
export const snapshotAck = z.object({ received: z.number().int().nonnegative() }).strict();

// A console about to serve a new certificate names it first, so that its peer pins it before it is
// presented: a certificate replaced on either console never breaks the pair.
export const certificateAnnouncement = z
  .object({
    ...envelope,
    certificatePem: z
      .string()
      .min(1)
      .max(64 * 1024),
    fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  })
  .strict();
export const certificateAck = z.object({ pinned: z.literal(true), fingerprint: z.string() }).strict();

export const MAX_PEER_BODY_BYTES = 32 * 1024 * 1024;

// Drift check: the requester names where it stands (its journal head, and how far it has applied the
// responder's journal); the responder answers where it stands and, only when both positions match, the
// digest of every replicated entity, read in the same database snapshot as its positions. Positions that
// do not match mean replication is still moving: digests would compare two different moments.
export const digestRequest = z
  .object({
    ...envelope,
    head: counter,
    appliedSeq: counter.nullable(),
    // The sender's own audit events up to this id predate the pair and stay on it: not compared.
    auditSharedAfter: counter,
  })
  .strict();
export type DigestRequest = z.infer<typeof digestRequest>;

const hexDigest = z.string().regex(/^[0-9a-f]{64}$/, 'A SHA-256 digest in hex.');
// One replicated table, or, for audit_event, the events recorded on one console (`origin`).
export const entityDigest = z
  .object({
    table: tableName,
    origin: uuid.nullable(),
    rows: z.number().int().nonnegative(),
    // Null when there are no rows.
    digest: hexDigest.nullable(),
  })
  .strict();
export type EntityDigestMessage = z.infer<typeof entityDigest>;

export const digestResponse = z
  .object({
    applianceId: uuid,
    head: counter,
    appliedSeq: counter.nullable(),
    settled: z.boolean(),
    auditSharedAfter: counter,
    digests: z.array(entityDigest).max(1000).nullable(),
  })
  .strict();
export type DigestResponse = z.infer<typeof digestResponse>;
