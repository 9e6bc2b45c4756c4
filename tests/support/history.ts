import { createHash } from 'node:crypto';

// A recorded history of a fault scenario and the invariants of issue 9 checked over it. The recording
// is done by the harness (tests/support/ha-pair.ts); everything here is pure, so the checkers are proven
// on hand-built histories (tests/unit/history.test.ts) before they judge a real run.
//
// Times are the observer's (the test process): `observerNow()`, a monotonic clock on the epoch scale.
// A clock jumped on a console (faketime) does not move them, and they never go back.
//
// Every checker returns a list of violations, one readable sentence each; an empty list means it holds.

export const observerNow = (): number => Math.round(performance.timeOrigin + performance.now());

// ---- What is recorded -----------------------------------------------------------------------------

// (a) An acknowledged sensor event. "Acknowledged" is the moment the sensor may forget the event: the
// console's answer carried `durableSeq` ≥ seq (the answering console stores it and, when paired, the peer
// does too — or the peer has been away past the window and strict mode is off), and the agent dropped
// 1..durableSeq from its outbox (outbox/acked.json). `ackedSeq` alone is NOT an acknowledgement: it says
// only that the answering console stored the event, and the agent keeps it and sends it again, so a
// console lost with it loses nothing. Either the agent's drop (source 'outbox', read from acked.json and
// the kept segments) or a console's durable answer (source 'console') records it; both mean the same.
export type AckedEvent = { at: number; sensor: string; seq: number; hash: string; source: 'outbox' | 'console' };

// (b) A settings write as the client saw it. `startedAt` before the request left, `endedAt` when the
// answer (or the failure) arrived. acknowledged: the console answered ok (it committed); refused: it
// answered with a refusal (nothing written); unknown: no answer (timeout, reset, 5xx) or LEASE_LOST (it
// committed but cannot confirm it) — it may have committed, and may even commit after endedAt (bytes
// held by a paused link arrive late).
export type WriteOutcome = 'acknowledged' | 'refused' | 'unknown';
export type SettingWrite = {
  console: string;
  // The term the console reported for the write, when it says (not yet: the failover work adds it).
  term?: number;
  startedAt: number;
  endedAt: number;
  outcome: WriteOutcome;
  key: string;
  value: string;
  // The refusal's code/message or the failure, for the violation text.
  detail?: string;
};

// (c) One observation of a console's state. `process`: what the harness knows of the console process
// (a killed console's database may still answer with what it last persisted).
export type Mode = 'ACTIVE' | 'STANDBY' | 'FROZEN';
export type StateSample = {
  at: number;
  console: string;
  mode: Mode;
  term: number;
  leaseHeld?: boolean;
  process?: 'running' | 'stopped' | 'dead';
};

export type History = { events: AckedEvent[]; writes: SettingWrite[]; samples: StateSample[] };

export const emptyHistory = (): History => ({ events: [], writes: [], samples: [] });

// What a console holds at the end: one row per stored event, hashed like the agent's line.
export type EventRow = { sensor: string; seq: number; hash: string };

// An event's content, independent of key order (jsonb reorders keys) and of its seq (so that an event
// stored twice under two seqs shows as a duplicate): SHA-256 of the canonical JSON without `seq`.
export function eventHash(event: Record<string, unknown>): string {
  const { seq: _seq, ...content } = event;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const at = (t: number) => new Date(t).toISOString().slice(11, 23);
const describeWrite = (w: SettingWrite) =>
  `${w.key}=${JSON.stringify(w.value)} on ${w.console}${w.term === undefined ? '' : ` in term ${w.term}`} [${at(w.startedAt)}–${at(w.endedAt)}]`;

// ---- Events ---------------------------------------------------------------------------------------

// Every acknowledged event is stored with the content the sensor acknowledged.
export function noAcknowledgedEventLost(history: Pick<History, 'events'>, finalRows: readonly EventRow[]): string[] {
  const violations: string[] = [];
  const stored = new Map(finalRows.map((r) => [`${r.sensor}#${r.seq}`, r.hash]));
  const acknowledged = new Map<string, AckedEvent>();
  for (const event of history.events) {
    const key = `${event.sensor}#${event.seq}`;
    const seen = acknowledged.get(key);
    if (seen && seen.hash !== event.hash)
      violations.push(`${event.sensor} seq ${event.seq} was acknowledged twice with different content (${seen.hash} then ${event.hash})`);
    else if (!seen) acknowledged.set(key, event);
  }
  for (const [key, event] of acknowledged) {
    const hash = stored.get(key);
    if (hash === undefined)
      violations.push(`${event.sensor} seq ${event.seq}, acknowledged at ${at(event.at)} (${event.source}), is not stored`);
    else if (hash !== event.hash)
      violations.push(`${event.sensor} seq ${event.seq} is stored with other content than was acknowledged (${hash}, not ${event.hash})`);
  }
  return violations;
}

// No event stored twice: neither one (sensor, seq) in two rows nor one sensor's content under two seqs.
export function noDuplicateEvents(finalRows: readonly EventRow[]): string[] {
  const violations: string[] = [];
  const bySeq = new Map<string, number>();
  const byContent = new Map<string, number>();
  for (const row of finalRows) {
    const key = `${row.sensor}#${row.seq}`;
    bySeq.set(key, (bySeq.get(key) ?? 0) + 1);
    const content = `${row.sensor}#${row.hash}`;
    const other = byContent.get(content);
    if (other !== undefined && other !== row.seq)
      violations.push(`${row.sensor} stored the same event twice, as seq ${other} and seq ${row.seq}`);
    else byContent.set(content, row.seq);
  }
  for (const [key, n] of bySeq) if (n > 1) violations.push(`${key.replace('#', ' seq ')} is stored ${n} times`);
  return violations;
}

// ---- Settings -------------------------------------------------------------------------------------

// The final value of every key is one a committed write may have left there. A write is superseded when
// another acknowledged write of the key started after it was acknowledged (real-time order). The final
// value must then be the value of an acknowledged write that nothing supersedes (concurrent acknowledged
// writes may end in either order), or of an unknown write (it may have committed at any time after it
// started, even after the client gave up). Keys without acknowledged writes promise nothing. A final value
// that only a refused write carried means a refusal was not one.
export function noCommittedSettingLost(history: Pick<History, 'writes'>, finalSettings: Readonly<Record<string, unknown>>): string[] {
  const violations: string[] = [];
  const keys = [...new Set(history.writes.map((w) => w.key))].sort();
  for (const key of keys) {
    const writes = history.writes.filter((w) => w.key === key);
    const final = key in finalSettings ? finalSettings[key] : undefined;
    const refused = writes.filter((w) => w.outcome === 'refused' && w.value === final);
    const acknowledged = writes.filter((w) => w.outcome === 'acknowledged');
    const live = acknowledged.filter((w) => !acknowledged.some((later) => later.startedAt > w.endedAt));
    const candidates = [...live, ...writes.filter((w) => w.outcome === 'unknown')];
    if (acknowledged.length > 0 && !candidates.some((w) => w.value === final)) {
      const last = live.reduce((a, b) => (b.endedAt > a.endedAt ? b : a));
      violations.push(
        `committed setting lost: the last acknowledged write was ${describeWrite(last)} but ${key} ends as ${JSON.stringify(final ?? null)}`,
      );
    }
    if (refused.length > 0 && !candidates.some((w) => w.value === final))
      violations.push(`a refused write took effect: ${key} ends as ${describeWrite(refused[0]!)} wrote it`);
  }
  return violations;
}

// ---- One writer -----------------------------------------------------------------------------------

// At most one console accepts writes at any instant and per term, as far as it can be proven from
// outside. An acknowledged write committed at some instant inside its [startedAt, endedAt]; nothing
// says where. What is provable:
//   1. two acknowledged writes on different consoles in the same term (a term has one active console);
//   2. a write acknowledged on one console in a lower term after (in real time) a write on the other
//      console in a higher term had been acknowledged: the old writer still wrote after the new one did;
//   3. two consoles both sampled ACTIVE in the same term;
// and, stricter than a proof, what the suite also forbids:
//   4. acknowledged writes on different consoles whose intervals overlap. Both may have committed at
//      different instants inside the overlap, so this holds only because the writer's timeout (an
//      unanswered write is 'unknown', not acknowledged) is shorter than the fastest takeover
//      (misses × heartbeat + confirmation): a write acknowledged by the old console then committed
//      before the new one could have promoted, and the new one's write started after.
export function atMostOneWriter(history: Pick<History, 'writes' | 'samples'>): string[] {
  const violations: string[] = [];
  const acked = history.writes.filter((w) => w.outcome === 'acknowledged').sort((a, b) => a.startedAt - b.startedAt);
  for (let i = 0; i < acked.length; i++)
    for (let j = i + 1; j < acked.length; j++) {
      const [a, b] = [acked[i]!, acked[j]!];
      if (a.console === b.console) continue;
      if (a.term !== undefined && a.term === b.term)
        violations.push(`two writers in term ${a.term}: ${describeWrite(a)} and ${describeWrite(b)}`);
      const [first, then] = a.endedAt < b.startedAt ? [a, b] : b.endedAt < a.startedAt ? [b, a] : [null, null];
      if (first && then && first.term !== undefined && then.term !== undefined && then.term < first.term)
        violations.push(`a stale writer: ${describeWrite(then)} was acknowledged after ${describeWrite(first)}`);
      if (!first) violations.push(`acknowledged writes on two consoles overlap: ${describeWrite(a)} and ${describeWrite(b)}`);
    }
  const activeIn = new Map<number, StateSample>();
  for (const sample of [...history.samples].sort((a, b) => a.at - b.at)) {
    if (sample.mode !== 'ACTIVE') continue;
    const other = activeIn.get(sample.term);
    if (!other) activeIn.set(sample.term, sample);
    else if (other.console !== sample.console) {
      violations.push(
        `two consoles ACTIVE in term ${sample.term}: ${other.console} at ${at(other.at)} and ${sample.console} at ${at(sample.at)}`,
      );
      activeIn.set(sample.term, sample);
    }
  }
  return violations;
}

// ---- Terms and roles ------------------------------------------------------------------------------

// Each console's term never goes down between two of its samples.
export function termsOnlyGrow(samples: readonly StateSample[]): string[] {
  const violations: string[] = [];
  const last = new Map<string, StateSample>();
  for (const sample of [...samples].sort((a, b) => a.at - b.at)) {
    const before = last.get(sample.console);
    if (before && sample.term < before.term)
      violations.push(
        `${sample.console}'s term went down from ${before.term} (at ${at(before.at)}) to ${sample.term} (at ${at(sample.at)})`,
      );
    if (!before || sample.term >= before.term) last.set(sample.console, sample);
  }
  return violations;
}

export type RoleChange = { at: number; console: string; from: { mode: Mode; term: number }; to: { mode: Mode; term: number } };

// Every change of mode or term seen in a console's samples, in order.
export function roleChanges(samples: readonly StateSample[]): RoleChange[] {
  const changes: RoleChange[] = [];
  const last = new Map<string, StateSample>();
  for (const sample of [...samples].sort((a, b) => a.at - b.at)) {
    const before = last.get(sample.console);
    if (before && (before.mode !== sample.mode || before.term !== sample.term))
      changes.push({
        at: sample.at,
        console: sample.console,
        from: { mode: before.mode, term: before.term },
        to: { mode: sample.mode, term: sample.term },
      });
    last.set(sample.console, sample);
  }
  return changes;
}

export const describeRoleChange = (c: RoleChange) =>
  `${c.console} went from ${c.from.mode} (term ${c.from.term}) to ${c.to.mode} (term ${c.to.term}) at ${at(c.at)}`;

// ---- Convergence ----------------------------------------------------------------------------------

export type EntityDigests = Readonly<Record<string, { rows: number; digest: string | null }>>;

// Both consoles hold the same rows of every replicated entity (the drift check's digests).
export function converged(digestA: EntityDigests, digestB: EntityDigests): string[] {
  const violations: string[] = [];
  for (const entity of [...new Set([...Object.keys(digestA), ...Object.keys(digestB)])].sort()) {
    const [a, b] = [digestA[entity], digestB[entity]];
    if (!a || !b) violations.push(`${entity} is digested on ${a ? 'the first console' : 'the second console'} only`);
    else if (a.rows !== b.rows || a.digest !== b.digest)
      violations.push(`${entity} differs: ${a.rows} rows (${a.digest ?? 'none'}) against ${b.rows} rows (${b.digest ?? 'none'})`);
  }
  return violations;
}
