import type { Timers } from './timing.ts';
import { isConfirmed, isFresh, isPresent, type Vote } from './votes.ts';

// The failover state machine of one console (pure: no I/O, no clock reads, the input is never mutated).
// The runtime feeds it observations stamped with its own monotonic clock and performs the effects in order;
// `persist` always comes first, so a console never acts on a term or mode it has not written down.
//
// Safety rests on three things (docs/architecture.md, "High availability: failover"; timing.ts derives the inequalities):
// - a sensor cannot be CONFIRMED (fresh and unbroken for C) at both consoles at the same instant;
// - a lease is one unbroken interval: it is taken only with MORE than half of the sensors confirmed (or the
//   peer's promise), and only extended with at least half; a console that lost it takes it again like a
//   challenger. So when one console takes a lease, the other's count is below half: never two leases at once;
// - a console that promised the peer takes no lease, by any path, before the promise has run out.

export type Mode = 'ACTIVE' | 'STANDBY' | 'FROZEN';
export type Role = 'PRIMARY' | 'SECONDARY';

export type QuorumState = {
  role: Role;
  mode: Mode;
  term: number;
  /** False after a restart until the peer or a majority of the sensors told the term. */
  termKnown: boolean;
  /** When term or mode last changed: votes whose run began before this do not promote. */
  modeSince: number;
  /** Registered sensors (both consoles count the same replicated table). */
  registered: number;
  /** From the last tick, for the status. */
  fresh: number;
  confirmed: number;
  /** Writes are allowed while now < leaseUntil (and mode ACTIVE, no handover). */
  leaseUntil: number | null;
  /** The peer promised not to take over: valid until (our send time + P). */
  promiseUntil: number | null;
  /** We promised the peer: we neither promote nor take a lease before this. */
  grantedUntil: number | null;
  /** A planned switchover is under way: writes stopped. */
  handover: null | { since: number };
  peer: null | { term: number; mode: Mode; heardAt: number };
};

export type Observation =
  // `holdsData`: false while this console has not yet received its peer's whole snapshot (just paired):
  // however many sensors vote for it, it must not lead on part of the data. Absent means it holds it.
  | { type: 'tick'; now: number; registered: number; votes: readonly Vote[]; holdsData?: boolean }
  | { type: 'term-seen'; now: number; term: number; source: 'sensor' | 'peer' }
  // Our promotion to ACTIVE could not be persisted: the database already holds `term` (replication adopted
  // it from the peer's messages before we decided), so the term we took may be the peer's.
  | { type: 'promotion-refused'; now: number; term: number }
  | { type: 'peer-status'; now: number; sentAt: number; term: number; mode: Mode; promised: boolean }
  | { type: 'peer-unreachable'; now: number }
  // `votes` as at the request: counted then rather than at the last tick, so that a grant stops the moment
  // the sensors have arrived.
  | { type: 'promise-request'; now: number; term: number; mode: Mode; votes: readonly Vote[] }
  | { type: 'handover-start'; now: number }
  | { type: 'handover-abort'; now: number; reason: string }
  | { type: 'handover-done'; now: number; term: number }
  | { type: 'handover-offer'; now: number; term: number };

export type Effect =
  | { type: 'persist'; term: number; mode: Mode; role: Role }
  | { type: 'audit'; action: string; reason: string; details: Record<string, unknown> }
  | { type: 'notify-peer' }
  | { type: 'promise-reply'; granted: boolean; term: number; mode: Mode }
  | { type: 'handover-reply'; accepted: boolean; reason?: string };

export type StepResult = { state: QuorumState; effects: Effect[] };

type PersistedHa = { role: Role; mode: Mode; term: number };

// A console boots with what it last persisted, but knows nothing else: no lease (its votes died with the old
// process, whose stamps the new key refuses), the term not yet confirmed by anyone, and, because it may have
// promised the peer just before it went down and that promise was in memory only, a promise assumed.
export function initialState(persisted: PersistedHa, now: number, timers: Pick<Timers, 'PROMISE_GRANT_MS'>): QuorumState {
  return {
    role: persisted.role,
    mode: persisted.mode,
    term: persisted.term,
    termKnown: false,
    modeSince: now,
    registered: 0,
    fresh: 0,
    confirmed: 0,
    leaseUntil: null,
    promiseUntil: null,
    grantedUntil: now + timers.PROMISE_GRANT_MS,
    handover: null,
    peer: null,
  };
}

export function leaseHeld(state: QuorumState, now: number): boolean {
  return state.mode === 'ACTIVE' && state.handover === null && state.leaseUntil !== null && now < state.leaseUntil;
}

// What is left of the lease at `now`, or null when it is not held.
export function leaseRemaining(state: QuorumState, now: number): number | null {
  return leaseHeld(state, now) ? state.leaseUntil! - now : null;
}

// The working copy of one step: a fresh state object and the effects in the order they arose.
type Step = { s: QuorumState; effects: Effect[]; timers: Timers };

export function step(state: QuorumState, observation: Observation, timers: Timers): StepResult {
  const c: Step = { s: { ...state }, effects: [], timers };
  switch (observation.type) {
    case 'tick':
      onTick(c, observation);
      break;
    case 'term-seen':
      adoptTerm(c, observation.now, observation.term, `a ${observation.source} reported term ${observation.term}`);
      break;
    case 'promotion-refused':
      onPromotionRefused(c, observation.now, observation.term);
      break;
    case 'peer-status':
      onPeerStatus(c, observation);
      break;
    case 'peer-unreachable':
      // Nothing to do: the peer's silence neither extends nor cuts anything. A promise runs out by itself,
      // and a lease held by votes does not depend on the peer at all.
      break;
    case 'promise-request':
      onPromiseRequest(c, observation);
      break;
    case 'handover-start':
      onHandoverStart(c, observation.now);
      break;
    case 'handover-abort':
      onHandoverAbort(c, observation.now, observation.reason);
      break;
    case 'handover-done':
      onHandoverDone(c, observation.now, observation.term);
      break;
    case 'handover-offer':
      onHandoverOffer(c, observation.now, observation.term);
      break;
  }
  return finish(state, c);
}

// Persist exactly once and first, whenever term, mode or role changed: the effects after it (audits, a
// notice to the peer, a reply that hands out our new term) must never get ahead of what survives a crash.
function finish(before: QuorumState, c: Step): StepResult {
  const { s } = c;
  if (s.term !== before.term || s.mode !== before.mode || s.role !== before.role) {
    c.effects.unshift({ type: 'persist', term: s.term, mode: s.mode, role: s.role });
  }
  return { state: s, effects: c.effects };
}

function audit(
  c: Step,
  action: string,
  reason: string,
  from: { mode: Mode; role: Role; term: number },
  extra: Record<string, unknown> = {},
) {
  const { s } = c;
  c.effects.push({
    type: 'audit',
    action,
    reason,
    details: {
      from: from.mode,
      to: s.mode,
      fromRole: from.role,
      toRole: s.role,
      previousTerm: from.term,
      term: s.term,
      reason,
      fresh: s.fresh,
      confirmed: s.confirmed,
      registered: s.registered,
      ...extra,
    },
  });
}

const snapshotOf = (s: QuorumState) => ({ mode: s.mode, role: s.role, term: s.term });
const otherRole = (role: Role): Role => (role === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY');
// A primary that loses the lead freezes (read-only, pointing at the active console); a secondary goes back
// to standby.
const modeAfterStepDown = (role: Role): Mode => (role === 'PRIMARY' ? 'FROZEN' : 'STANDBY');

// Leaving ACTIVE drops everything that let us write, at once and before anything else happens.
function stepDown(c: Step, now: number) {
  c.s.mode = modeAfterStepDown(c.s.role);
  c.s.modeSince = now;
  c.s.leaseUntil = null;
  c.s.promiseUntil = null;
  c.s.handover = null;
}

// A higher term means another console led after us: whatever we believe is stale. Adopt it (terms never go
// down) and, if we were active, step down first. Returns whether the term changed.
function adoptTerm(c: Step, now: number, term: number, reason: string): boolean {
  if (!(term > c.s.term)) return false;
  const from = snapshotOf(c.s);
  const wasActive = c.s.mode === 'ACTIVE';
  if (wasActive) stepDown(c, now);
  c.s.term = term;
  c.s.modeSince = now;
  audit(c, wasActive ? 'ha.step-down' : 'ha.term-learned', reason, from);
  return true;
}

// The term we promoted to was already taken (or passed) when we tried to persist it: we never led in it.
// Step down and take the stored term; the sensors elect afresh, in a term that is new to both consoles.
function onPromotionRefused(c: Step, now: number, term: number) {
  if (c.s.mode !== 'ACTIVE' || term < c.s.term) return;
  const from = snapshotOf(c.s);
  stepDown(c, now);
  c.s.term = Math.max(c.s.term, term);
  audit(c, 'ha.step-down', `term ${term} was already known to this console when it tried to lead in term ${from.term}`, from, {
    conflict: true,
  });
}

// Two actives in one term cannot arise from these rules; if it is seen anyway, the only safe move is for
// both to step down (each does so on seeing the other) and let the sensors elect one afresh.
function checkSameTermActive(c: Step, now: number, peerTerm: number, peerMode: Mode) {
  if (c.s.mode !== 'ACTIVE' || peerMode !== 'ACTIVE' || peerTerm !== c.s.term) return;
  const from = snapshotOf(c.s);
  stepDown(c, now);
  audit(c, 'ha.step-down', `the peer is also active in term ${peerTerm}`, from, { conflict: true });
}

function onTick(c: Step, o: Extract<Observation, { type: 'tick' }>) {
  const { s, timers } = c;
  s.registered = o.registered;
  s.fresh = o.votes.filter((v) => isFresh(v, o.now, timers)).length;
  s.confirmed = o.votes.filter((v) => isConfirmed(v, o.now, timers)).length;
  learnTermFromSensors(c, o.now);
  if (o.holdsData !== false) maybePromote(c, o.now, o.votes);
  renewLease(c, o.now, o.votes);
}

// After a restart the term is known once more than half of the sensors are with us: each of them sent its
// highestTerm first (term-seen), and any term newer than ours would have reached at least one of them.
function learnTermFromSensors(c: Step, now: number) {
  const { s } = c;
  if (s.termKnown || !(s.fresh * 2 > s.registered)) return;
  s.termKnown = true;
  audit(c, 'ha.term-learned', `${s.fresh} of ${s.registered} sensors are with this console at term ${s.term}`, snapshotOf(s), { at: now });
}

// Take over (secondary) or restore (primary): more than half of the sensors confirmed, counting only runs
// that began after our last term/mode change, so that a console that just stepped down does not bounce
// straight back on the votes that were already there.
function maybePromote(c: Step, now: number, votes: readonly Vote[]) {
  const { s, timers } = c;
  if (s.mode === 'ACTIVE' || !s.termKnown || s.handover !== null) return;
  if (s.grantedUntil !== null && now < s.grantedUntil) return; // we promised the peer
  // Counted from the later of the run's start and our last mode change: a console that stepped down does
  // not bounce straight back on the votes it already had, yet is not stuck without an active console when
  // its sensors simply stay (the peer's higher term may come from a console no sensor voted for).
  const counted = votes.filter((v) => isConfirmed({ ...v, since: Math.max(v.since, s.modeSince) }, now, timers)).length;
  if (!(counted * 2 > s.registered)) return; // exactly half is not enough
  const from = snapshotOf(s);
  s.term += 1;
  s.mode = 'ACTIVE';
  s.modeSince = now;
  s.leaseUntil = null; // taken below, by the same rule as any lease
  s.promiseUntil = null;
  const reason = `${counted} of ${s.registered} sensors voted for this console without a break for ${timers.CONFIRM_MS} ms`;
  audit(c, s.role === 'SECONDARY' ? 'ha.takeover' : 'ha.restore', reason, from, { counted });
  c.effects.push({ type: 'notify-peer' });
}

// The write lease. Extended while held with at least half of the sensors confirmed (the challenger needs more
// than half, so both cannot count enough at once), taken afresh only with more than half: a console whose
// lease ran out is a challenger again. The peer's promise also holds it. Confirmed rather than merely fresh,
// because a sensor can leave a console and come back within one freshness window; timing.ts says why C
// closes that gap. Nothing can outvote an empty sensor table.
function renewLease(c: Step, now: number, votes: readonly Vote[]) {
  const { s, timers } = c;
  const held = leaseHeld(s, now);
  if (s.mode !== 'ACTIVE' || s.handover !== null || !s.termKnown || (s.grantedUntil !== null && now < s.grantedUntil)) {
    s.leaseUntil = null;
    return;
  }
  let byVotes: number | null = null;
  if (s.registered === 0) {
    byVotes = now + timers.VOTE_FRESH_MS;
  } else {
    const k = Math.ceil(s.registered / 2);
    const lasts = votes
      .filter((v) => isConfirmed(v, now, timers))
      .map((v) => v.last!)
      .sort((a, b) => b - a);
    const enough = held ? lasts.length >= k : lasts.length * 2 > s.registered;
    if (enough) byVotes = lasts[k - 1]! + timers.VOTE_FRESH_MS;
  }
  const byPromise = s.promiseUntil !== null && now < s.promiseUntil ? s.promiseUntil : null;
  // What was already granted stays granted: it rests on stamps that cannot be taken back.
  const kept = held ? s.leaseUntil : null;
  const candidates = [byVotes, byPromise, kept].filter((t): t is number => t !== null && t > now);
  s.leaseUntil = candidates.length > 0 ? Math.max(...candidates) : null;
}

function onPeerStatus(c: Step, o: Extract<Observation, { type: 'peer-status' }>) {
  const { s, timers } = c;
  adoptTerm(c, o.now, o.term, `the peer is at term ${o.term}`);
  s.peer = { term: o.term, mode: o.mode, heardAt: o.now };
  checkSameTermActive(c, o.now, o.term, o.mode);
  if (!s.termKnown) {
    s.termKnown = true;
    audit(c, 'ha.term-learned', `the peer is at term ${o.term}`, snapshotOf(s), { at: o.now });
  }
  // Counted from when WE sent the request, not from the answer's arrival: the answer may have been held up.
  // An active peer cannot have promised (it refuses); an answer saying so is ignored.
  if (o.promised && s.mode === 'ACTIVE' && o.mode !== 'ACTIVE' && o.term <= s.term) {
    s.promiseUntil = Math.max(s.promiseUntil ?? -Infinity, o.sentAt + timers.PROMISE_MS);
  }
}

// The peer asks us not to take over for a while. We promise only when we are not active (an active console
// would be promising not to do what it already does) and fewer than half-and-one of the sensors are with us
// (then the peer has lost them and should lose its lease), and only to a console at least at our term.
// "With us" counts a sensor from its first heartbeat here, before its echo makes it a vote: a promise holds
// off our takeover for G after it was granted, so the sooner we stop granting once the sensors arrive, the
// sooner we can take over (the rule is liveness only; safety is that we wait out what we granted).
function onPromiseRequest(c: Step, o: Extract<Observation, { type: 'promise-request' }>) {
  const { s, timers } = c;
  adoptTerm(c, o.now, o.term, `the peer asked for a promise at term ${o.term}`);
  s.peer = { term: o.term, mode: o.mode, heardAt: o.now };
  checkSameTermActive(c, o.now, o.term, o.mode);
  const present = o.votes.filter((v) => isPresent(v, o.now, timers)).length;
  const granted = s.mode !== 'ACTIVE' && present * 2 <= s.registered && o.term >= s.term;
  if (granted) s.grantedUntil = Math.max(s.grantedUntil ?? -Infinity, o.now + timers.PROMISE_GRANT_MS);
  c.effects.push({ type: 'promise-reply', granted, term: s.term, mode: s.mode });
}

// Planned switchover, our side: stop writing at once; the worker drains the journal to the peer, then offers.
function onHandoverStart(c: Step, now: number) {
  if (c.s.mode !== 'ACTIVE' || c.s.handover !== null) return;
  c.s.handover = { since: now };
  c.s.leaseUntil = null;
}

// Back to normal, but the lease was given up: it is taken again like a challenger's (more than half).
function onHandoverAbort(c: Step, now: number, reason: string) {
  if (c.s.handover === null) return;
  c.s.handover = null;
  audit(c, 'ha.switchover-aborted', reason, snapshotOf(c.s), { at: now });
}

// The peer accepted our offer and leads at `term`, in our configured role: we take its role and stand by.
function onHandoverDone(c: Step, now: number, term: number) {
  const { s } = c;
  if (s.handover === null || term !== s.term + 1) {
    // Not the answer to an offer of ours: still a term, and a higher one is obeyed as from anyone.
    adoptTerm(c, now, term, `the peer reported taking over at term ${term}`);
    return;
  }
  const from = snapshotOf(s);
  s.term = term;
  s.role = otherRole(s.role);
  s.mode = 'STANDBY';
  s.modeSince = now;
  s.handover = null;
  s.leaseUntil = null;
  s.promiseUntil = null;
  audit(c, 'ha.switchover', `handed over to the peer at term ${term}`, from);
}

// The peer offers us the lead at `term`. Only the next term, and only when we are not active ourselves: an
// offer for any other term comes from a console that does not know where the pair stands.
function onHandoverOffer(c: Step, now: number, term: number) {
  const { s } = c;
  if (s.mode === 'ACTIVE') {
    c.effects.push({ type: 'handover-reply', accepted: false, reason: `this console is already active at term ${s.term}` });
    return;
  }
  if (term !== s.term + 1) {
    c.effects.push({ type: 'handover-reply', accepted: false, reason: `offered term ${term}, but this console is at term ${s.term}` });
    return;
  }
  const from = snapshotOf(s);
  s.term = term;
  s.role = otherRole(s.role);
  s.mode = 'ACTIVE';
  s.modeSince = now;
  s.termKnown = true; // the peer, which led, just told us
  s.leaseUntil = null; // taken on the next tick, with more than half of the sensors confirmed here
  s.promiseUntil = null;
  audit(c, 'ha.switchover', `took over from the peer at term ${term}`, from);
  c.effects.push({ type: 'handover-reply', accepted: true });
}
