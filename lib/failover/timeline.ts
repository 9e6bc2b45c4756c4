import { z } from 'zod';

// The audit actions the failover worker records when this console's role or term changes
// (docs/architecture.md, "Failover"). The timeline of the High Availability page is made of these.
export const ROLE_CHANGE_ACTIONS = ['ha.takeover', 'ha.restore', 'ha.step-down', 'ha.switchover', 'ha.term-learned'] as const;
export type RoleChangeAction = (typeof ROLE_CHANGE_ACTIONS)[number];

export const TIMELINE_LIMIT = 50;

// An audit row as lib/failover/data.ts reads it.
export type RoleChangeRow = {
  id: bigint;
  at: Date;
  action: string;
  origin: string | null;
  details: unknown;
};

export type TimelineEntry = {
  id: string;
  at: string;
  action: RoleChangeAction;
  // Which console changed: this one, or the peer (its events reach this console by replication).
  console: 'self' | 'peer';
  // The peer's domain when the event came from the pair's peer; another origin (an earlier pair) keeps its id.
  consoleName: string;
  from: string | null;
  to: string | null;
  term: string | null;
  reason: string | null;
  fresh: number | null;
  confirmed: number | null;
  registered: number | null;
};

// The details are JSON written by another process (or replicated from another version): every field is
// checked and a field that is missing or of another shape reads as null, never as a broken page.
const orNull = <T extends z.ZodType>(schema: T) => schema.nullable().catch(null);
const detailsSchema = z
  .object({
    from: orNull(z.string().min(1)),
    to: orNull(z.string().min(1)),
    // Terms are bigints on the console; JSON carries them as numbers or digit strings.
    term: orNull(z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String)),
    reason: orNull(z.string().min(1)),
    fresh: orNull(z.number().int().nonnegative()),
    confirmed: orNull(z.number().int().nonnegative()),
    registered: orNull(z.number().int().nonnegative()),
  })
  .catch({ from: null, to: null, term: null, reason: null, fresh: null, confirmed: null, registered: null });

const isRoleChange = (action: string): action is RoleChangeAction => (ROLE_CHANGE_ACTIONS as readonly string[]).includes(action);

export function toTimelineEntry(row: RoleChangeRow, peer: { applianceId: string; domain: string } | null): TimelineEntry | null {
  if (!isRoleChange(row.action)) return null;
  const d = detailsSchema.parse(row.details ?? {});
  const fromPeer = row.origin !== null;
  return {
    id: `${row.origin ?? 'self'}:${row.id}`,
    at: row.at.toISOString(),
    action: row.action,
    console: fromPeer ? 'peer' : 'self',
    consoleName: !fromPeer ? 'This console' : row.origin === peer?.applianceId ? peer.domain : `Console ${row.origin}`,
    ...d,
  };
}

// Newest first; events of one millisecond (the two consoles' clocks agree to within the pairing
// tolerance only) are ordered by term, the order the role changes really happened in.
export function toTimeline(rows: readonly RoleChangeRow[], peer: { applianceId: string; domain: string } | null): TimelineEntry[] {
  return rows
    .map((row) => toTimelineEntry(row, peer))
    .filter((e): e is TimelineEntry => e !== null)
    .sort((a, b) => b.at.localeCompare(a.at) || Number(b.term ?? 0) - Number(a.term ?? 0))
    .slice(0, TIMELINE_LIMIT);
}
