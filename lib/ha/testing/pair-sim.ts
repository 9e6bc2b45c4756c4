// A discrete-event simulation of a console pair and its sensors, for the property tests of quorum.ts. Real
// time is the simulator's; each console sees only its own monotonic clock (rate within ±ρ of real time, any
// offset). Stamps are modelled as { console, boot, at } (what the MAC guarantees: only the issuing console's
// current boot accepts them, for the sensor it issued them to). Everything random comes from one seed.
import { initialState, leaseHeld, step, type Effect, type Mode, type Observation, type QuorumState, type Role } from '../quorum.ts';
import type { Timers } from '../timing.ts';
import { nextVote, type Vote } from '../votes.ts';

export type SimParams = {
  seed: number;
  sensors: number;
  rates: [number, number];
  offsets: [number, number];
  durationMs: number;
  lossRate: number;
  maxDelayMs: number;
  /** Chance that a message is held up for up to longDelayMs (a stalled proxy). */
  longDelayRate: number;
  longDelayMs: number;
  /** Mean real ms between two spurious console switches of one sensor (besides following the phase). */
  switchEveryMs: number;
  /** Heartbeats every H on the sensor's schedule, or at random intervals (a sensor the console cannot trust). */
  beats: 'regular' | 'random';
  /** Chance that a console restarts during one phase. */
  restartRate: number;
  /** Chance that a console stalls for up to 3 s before its next tick (GC, SIGSTOP, an overloaded host). */
  stallRate: number;
  /** Chance that the active console starts a planned switchover during one phase. */
  handoverRate: number;
  /** Chance that a phase cuts the peer link / one console's sensor links. */
  peerDownRate: number;
  sensorLinkDownRate: number;
  /** Switch at once, without the agent's leave rule (to show that the rule is what makes a short C safe). */
  noLeaveRule?: boolean;
};

type Stamp = { console: number; boot: number; at: number };
// `leaving`: the console it will heartbeat once the leave rule allows (sensor/failover.ts); meanwhile it accepts
// no answer from the one it leaves, and heartbeats it still (echoing the stamp it had) when `chatty`, or not
// at all: the rule allows both. `acceptedAt`: real time of the last answer it accepted from each console.
type Sensor = {
  using: number;
  epoch: number;
  stamps: [Stamp | null, Stamp | null];
  highestTerm: number;
  target: number;
  leaving: { to: number; token: number } | null;
  chatty: boolean;
  acceptedAt: [number | null, number | null];
};
type Console = {
  state: QuorumState;
  votes: Map<number, Vote>;
  boot: number;
  rate: number;
  offset: number;
  persisted: { role: Role; mode: Mode; term: number };
  maxTerm: number;
};

export type SimReport = {
  violations: string[];
  promotions: number;
  stepDowns: number;
  switchovers: number;
  /** Real ms during which each console held the lease (sampled at events). */
  leaseMs: number[];
  /** At the end: */
  final: [QuorumState, QuorumState];
  finalHeld: [boolean, boolean];
  /** The last real instant at which console X did not hold the lease (for the liveness property). */
  lastUnheldAt: number[];
};

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Event = { at: number; seq: number; run: () => void };

class Queue {
  private heap: Event[] = [];
  private seq = 0;
  push(at: number, run: () => void) {
    const e = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && before(h[l]!, best)) {
          m = l;
          best = h[l]!;
        }
        if (r < h.length && before(h[r]!, best)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export function simulate(p: SimParams, timers: Timers, options: { allOn?: number } = {}): SimReport {
  const rnd = mulberry32(p.seed);
  const q = new Queue();
  const violations: string[] = [];
  let now = 0; // real time
  const consoles: Console[] = [0, 1].map((i) => {
    const persisted = { role: (i === 0 ? 'PRIMARY' : 'SECONDARY') as Role, mode: (i === 0 ? 'ACTIVE' : 'STANDBY') as Mode, term: 1 };
    const rate = p.rates[i]!;
    const offset = p.offsets[i]!;
    return { state: initialState(persisted, offset, timers), votes: new Map(), boot: 0, rate, offset, persisted, maxTerm: 1 };
  });
  const local = (c: Console) => c.offset + c.rate * now;
  // Real time at which console c's clock reads `t`.
  const realAt = (c: Console, t: number) => (t - c.offset) / c.rate;
  const sensors: Sensor[] = Array.from({ length: p.sensors }, () => {
    const start = options.allOn ?? (rnd() < 0.5 ? 0 : 1);
    const chatty = rnd() < 0.5;
    return { using: start, epoch: 0, stamps: [null, null], highestTerm: 1, target: start, leaving: null, chatty, acceptedAt: [null, null] };
  });
  const activeInTerm = new Map<number, number>();
  const report: SimReport = {
    violations,
    promotions: 0,
    stepDowns: 0,
    switchovers: 0,
    leaseMs: [0, 0],
    final: [consoles[0]!.state, consoles[1]!.state],
    finalHeld: [false, false],
    lastUnheldAt: [0, 0],
  };
  let peerUp = true;
  const sensorLinkUp = [true, true];
  const heldAt = (i: number) => leaseHeld(consoles[i]!.state, local(consoles[i]!));

  // ---- one step of one console, with the checks every step must pass -------------------------------------
  const apply = (i: number, observation: Observation): Effect[] => {
    const c = consoles[i]!;
    const before = c.state;
    const frozen = JSON.stringify(before);
    const { state, effects } = step(before, observation, timers);
    if (JSON.stringify(before) !== frozen) violations.push(`step mutated its input (${observation.type})`);
    const persistAt = effects.findIndex((e) => e.type === 'persist');
    if (persistAt > 0) violations.push(`persist is effect #${persistAt} of ${observation.type}`);
    const changed = state.term !== before.term || state.mode !== before.mode || state.role !== before.role;
    if (changed && persistAt !== 0) violations.push(`term/mode/role changed without persist (${observation.type})`);
    if (persistAt === 0) {
      const e = effects[0] as Extract<Effect, { type: 'persist' }>;
      c.persisted = { role: e.role, mode: e.mode, term: e.term };
    }
    if (state.term < c.maxTerm) violations.push(`console ${i} term went down from ${c.maxTerm} to ${state.term}`);
    c.maxTerm = Math.max(c.maxTerm, state.term);
    if (state.mode === 'ACTIVE') {
      const owner = activeInTerm.get(state.term);
      if (owner === undefined) activeInTerm.set(state.term, i);
      else if (owner !== i) violations.push(`both consoles ACTIVE in term ${state.term}`);
    }
    for (const e of effects) {
      if (e.type === 'audit' && (e.action === 'ha.takeover' || e.action === 'ha.restore')) report.promotions++;
      if (e.type === 'audit' && e.action === 'ha.step-down') report.stepDowns++;
      if (e.type === 'audit' && e.action === 'ha.switchover') report.switchovers++;
    }
    c.state = state;
    return effects;
  };

  const delay = (up: boolean): number | null => {
    if (!up || rnd() < p.lossRate) return null;
    if (rnd() < p.longDelayRate) return rnd() * p.longDelayMs;
    return rnd() * p.maxDelayMs;
  };

  // ---- sensors ---------------------------------------------------------------------------------------------
  let leaveTokens = 0;
  const move = (s: Sensor, to: number) => {
    s.leaving = null;
    s.stamps[s.using] = null; // a sensor drops the stamp of the console it leaves
    s.using = to;
    s.epoch++; // answers to requests sent before the switch are ignored (they timed out)
  };
  // The leave rule: from the decision on, no answer of the console left is accepted, and the first heartbeat
  // to the other one goes out LEAVE_AFTER_MS of the sensor's clock after the last accepted answer — as early
  // as a clock running ρ fast allows. Deciding to stay (back to where it is) before then is always safe:
  // it never heartbeated the other console.
  const switchSensor = (s: Sensor, to: number) => {
    if (p.noLeaveRule) {
      if (s.using !== to) move(s, to);
      return;
    }
    if (s.using === to) {
      s.leaving = null;
      return;
    }
    if (s.leaving) return; // already on its way there
    const token = ++leaveTokens;
    s.leaving = { to, token };
    const accepted = s.acceptedAt[s.using] ?? null;
    const at = accepted === null ? now : Math.max(now, accepted + timers.LEAVE_AFTER_MS / (1 + timers.CLOCK_RATE));
    q.push(at, () => {
      if (s.leaving?.token === token) move(s, to);
    });
  };

  const beat = (id: number) => {
    const s = sensors[id]!;
    const to = s.using;
    const echo = s.stamps[to] ?? null;
    const silent = s.leaving !== null && !s.chatty;
    const epoch = s.epoch;
    const highestTerm = s.highestTerm;
    const d = delay(sensorLinkUp[to]!);
    if (d !== null && !silent) q.push(now + d, () => beatArrives(to, id, echo, highestTerm, epoch));
    const next =
      p.beats === 'regular'
        ? timers.HEARTBEAT_MS * (1 + (rnd() * 2 - 1) * timers.CLOCK_RATE) + rnd() * 50
        : 20 + rnd() * 2 * timers.HEARTBEAT_MS;
    q.push(now + next, () => beat(id));
  };

  const beatArrives = (i: number, id: number, echo: Stamp | null, highestTerm: number, epoch: number) => {
    const c = consoles[i]!;
    const t = local(c);
    // The heartbeat handler: the sensor's term first, then the vote.
    apply(i, { type: 'term-seen', now: t, term: highestTerm, source: 'sensor' });
    const echoAt = echo && echo.console === i && echo.boot === c.boot ? echo.at : null;
    const vote = { ...nextVote(c.votes.get(id), { echoAt, arrival: t }), issued: t };
    c.votes.set(id, vote);
    const stamp: Stamp = { console: i, boot: c.boot, at: t };
    const term = c.state.term;
    const d = delay(sensorLinkUp[i]!);
    if (d !== null) q.push(now + d, () => answerArrives(id, i, stamp, term, epoch));
  };

  const answerArrives = (id: number, i: number, stamp: Stamp, term: number, epoch: number) => {
    const s = sensors[id]!;
    if (s.epoch !== epoch || s.using !== i) return;
    s.highestTerm = Math.max(s.highestTerm, term); // terms are learned while leaving too
    if (s.leaving) return;
    s.stamps[i] = stamp;
    s.acceptedAt[i] = now;
  };

  const wander = (id: number) => {
    const s = sensors[id]!;
    switchSensor(s, s.leaving ? s.using : 1 - s.using); // on its way: it may change its mind
    q.push(now + rnd() * 2 * p.switchEveryMs, () => wander(id));
  };

  // ---- consoles --------------------------------------------------------------------------------------------
  const tick = (i: number) => {
    const c = consoles[i]!;
    const effects = apply(i, { type: 'tick', now: local(c), registered: p.sensors, votes: [...c.votes.values()] });
    if (effects.some((e) => e.type === 'notify-peer')) sendStatus(i);
    const pause = rnd() < p.stallRate ? rnd() * 3000 : rnd() * 100;
    q.push(now + timers.TICK_MS / c.rate + pause, () => tick(i));
  };

  const sendStatus = (i: number) => {
    const c = consoles[i]!;
    const sentAt = local(c);
    const boot = c.boot;
    const ask = c.state.mode === 'ACTIVE';
    const term = c.state.term;
    const mode = c.state.mode;
    const d = delay(peerUp);
    if (d !== null) q.push(now + d, () => statusArrives(1 - i, i, boot, sentAt, ask, term, mode));
  };

  const statusArrives = (i: number, from: number, fromBoot: number, sentAt: number, ask: boolean, term: number, mode: Mode) => {
    const c = consoles[i]!;
    let promised = false;
    if (ask) {
      const effects = apply(i, { type: 'promise-request', now: local(c), term, mode, votes: [...c.votes.values()] });
      const reply = effects.find((e) => e.type === 'promise-reply');
      promised = reply?.type === 'promise-reply' && reply.granted;
    } else {
      apply(i, { type: 'term-seen', now: local(c), term, source: 'peer' });
    }
    const answer = { term: c.state.term, mode: c.state.mode };
    const d = delay(peerUp);
    if (d === null) return;
    q.push(now + d, () => {
      const asker = consoles[from]!;
      if (asker.boot !== fromBoot) return; // the process that asked is gone
      apply(from, { type: 'peer-status', now: local(asker), sentAt, term: answer.term, mode: answer.mode, promised });
    });
  };

  const exchange = (i: number) => {
    sendStatus(i);
    q.push(now + timers.TICK_MS / consoles[i]!.rate + rnd() * 50, () => exchange(i)); // as the runtime: every tick
  };

  const restart = (i: number) => {
    const c = consoles[i]!;
    c.boot++;
    c.votes.clear();
    c.state = initialState(c.persisted, local(c), timers);
  };

  // Planned switchover as the worker runs it: stop writes, drain (some time), offer term + 1 over the peer
  // link, then done on acceptance, abort on refusal or when no answer came in time. A late acceptance still
  // arrives as handover-done (after the abort), which the machine must take as a higher term.
  const handover = (i: number) => {
    const c = consoles[i]!;
    apply(i, { type: 'handover-start', now: local(c) });
    const started = c.state.handover;
    if (!started) return;
    const boot = c.boot;
    const term = c.state.term + 1;
    const ours = () => c.boot === boot && c.state.handover === started;
    const drain = rnd() * 1000;
    q.push(now + drain + 3000, () => {
      if (ours()) apply(i, { type: 'handover-abort', now: local(c), reason: 'no answer to the offer' });
    });
    q.push(now + drain, () => {
      if (!ours()) return;
      const d = delay(peerUp);
      if (d === null) return;
      q.push(now + d, () => {
        const peer = consoles[1 - i]!;
        const reply = apply(1 - i, { type: 'handover-offer', now: local(peer), term }).find((e) => e.type === 'handover-reply');
        const back = delay(peerUp);
        if (back === null || reply?.type !== 'handover-reply') return;
        q.push(now + back, () => {
          if (c.boot !== boot) return;
          if (reply.accepted) apply(i, { type: 'handover-done', now: local(c), term });
          else if (ours()) apply(i, { type: 'handover-abort', now: local(c), reason: reply.reason ?? 'refused' });
        });
      });
    });
  };

  // ---- phases: where the sensors go, which links are cut ---------------------------------------------------
  const phase = () => {
    if (options.allOn === undefined) {
      peerUp = rnd() >= p.peerDownRate;
      sensorLinkUp[0] = rnd() >= p.sensorLinkDownRate;
      sensorLinkUp[1] = rnd() >= p.sensorLinkDownRate;
      const lean = rnd();
      for (const [id, s] of sensors.entries()) {
        s.target = rnd() < lean ? 0 : 1;
        q.push(now + rnd() * 3000, () => switchSensor(sensors[id]!, sensors[id]!.target));
      }
      for (const i of [0, 1]) if (rnd() < p.restartRate) q.push(now + rnd() * 4000, () => restart(i));
      for (const i of [0, 1]) if (rnd() < p.handoverRate) q.push(now + rnd() * 4000, () => handover(i));
    }
    q.push(now + 1000 + rnd() * 8000, phase);
  };

  // ---- start ------------------------------------------------------------------------------------------------
  for (let id = 0; id < p.sensors; id++) {
    q.push(rnd() * timers.HEARTBEAT_MS, () => beat(id));
    if (options.allOn === undefined) q.push(rnd() * 2 * p.switchEveryMs, () => wander(id));
  }
  for (const i of [0, 1]) {
    q.push(rnd() * timers.TICK_MS, () => tick(i));
    q.push(rnd() * 500, () => exchange(i));
  }
  q.push(0, phase);

  let last = 0;
  let held: [boolean, boolean] = [false, false];
  for (let e = q.pop(); e && e.at <= p.durationMs; e = q.pop()) {
    now = e.at;
    // Lease time since the last event: a lease held then was held all along, up to its end.
    for (const i of [0, 1]) {
      if (!held[i]) continue;
      const c = consoles[i]!;
      const end = realAt(c, c.state.leaseUntil!);
      report.leaseMs[i]! += Math.max(0, Math.min(now, end) - last);
      if (end < now) report.lastUnheldAt[i] = end; // ran out between two events
    }
    e.run();
    last = now;
    held = [heldAt(0), heldAt(1)];
    // A lease starts only at an event, so two overlapping leases are both held at the later one's start.
    if (held[0] && held[1]) {
      const [a, b] = consoles as [Console, Console];
      violations.push(
        `two leases at ${now.toFixed(1)}: A term ${a.state.term} until ${realAt(a, a.state.leaseUntil!).toFixed(1)}, B term ${b.state.term} until ${realAt(b, b.state.leaseUntil!).toFixed(1)}`,
      );
    }
    for (const i of [0, 1]) if (!held[i]) report.lastUnheldAt[i] = now;
    if (violations.length > 0) break;
  }
  report.final = [consoles[0]!.state, consoles[1]!.state];
  report.finalHeld = held;
  return report;
}
