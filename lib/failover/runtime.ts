import type { Logger } from 'pino';
import { readTlsFiles } from '../appliance/tls-files.ts';
import type { AuditAction } from '../audit/schema.ts';
import type { ApplianceConfig } from '../config/env.ts';
import { publishLiveHaState } from '../ha/live-state.ts';
import { monoNow } from '../ha/mono.ts';
import { initialState, leaseHeld, leaseRemaining, step, type Effect, type Observation, type QuorumState } from '../ha/quorum.ts';
import { checkTimers, FAILOVER_TIMERS } from '../ha/timing.ts';
import { clear as clearVotes, votes } from '../ha/vote-table.ts';
import { createPeerClient, type PeerClient } from '../peer/client.ts';
import { PEER_PROTOCOL_VERSION } from '../peer/protocol.ts';
import {
  haStatusResponse,
  handoverResponse,
  type HandoverRequest,
  type HaStatusRequest,
  type HaStatusResponse,
} from '../peer/failover-protocol.ts';
import { journalHead } from '../replication/data.ts';
import { replicationRuntime } from '../replication/runtime.ts';
import { processSingleton } from '../runtime/process-singleton.ts';
import { setWriteLeaseGate, type LeaseCheck } from '../runtime/write-lease.ts';
import { setFailoverRuntime, type FailoverRuntime, type FailoverStatus, type PromoteResult } from './hook.ts';
import { persistHaState, recordRoleChange, takeSwitchoverRequest } from './mutations.ts';
import { readPairState, type PairState } from './data.ts';
import { gateMessage } from './messages.ts';
import { holdsPairData } from './holds-data.ts';

// The failover worker (docs/architecture.md, "Failover"): it drives the pure state machine of
// lib/ha/quorum.ts — ticks with the time, the sensors' votes, the peer's status and promises — and
// performs what it decides, persistence first. It runs in server.ts's process while a pair is applied,
// and sets the write-lease gate that every people's change passes (lib/runtime/write-lease.ts).

const RECONCILE_MS = 1000;
// Every tick: a promise lasts P = 1000 ms from its request, so asking four times a second survives
// three answers lost in a row (lib/ha/timing.ts says why P is short).
const EXCHANGE_MS = FAILOVER_TIMERS.TICK_MS;
// A status exchange that takes longer is no use for a promise (it counts from when it was sent).
const EXCHANGE_TIMEOUT_MS = FAILOVER_TIMERS.PROMISE_MS;
// The peer counts as reachable (the status's `reachable`) while heard from within this.
const PEER_HEARD_MS = 2500;
const HISTORY_SAMPLES = 600;
const DRAIN_TIMEOUT_MS = 10_000;

type Peer = { client: PeerClient; key: string; applianceId: string; domain: string; address: string; port: number };

// What the peer listener's handlers (lib/failover/http/handlers.ts) reach in this process.
export type FailoverPeerEndpoint = {
  status(request: HaStatusRequest): HaStatusResponse | null;
  handover(request: HandoverRequest, appliedSeq: bigint | null): Promise<{ ok: true; term: number } | { ok: false; message: string }>;
};
const endpointHolder = () => processSingleton('failover-peer-endpoint', () => ({ endpoint: null as FailoverPeerEndpoint | null }));
export const failoverPeerEndpoint = (): FailoverPeerEndpoint | null => endpointHolder().endpoint;

export async function startFailoverRuntime(config: ApplianceConfig, log: Logger): Promise<FailoverRuntime> {
  const violations = checkTimers(FAILOVER_TIMERS);
  if (violations.length > 0) throw new Error(`The failover timers are unsafe: ${violations.join('; ')}`);

  let machine: QuorumState | null = null;
  let pair: PairState | null = null;
  let peer: Peer | null = null;
  let peerVotes: number | null = null;
  let peerHeardAt: number | null = null;
  let reconciled = false;
  let stopped = false;
  let switching: Promise<PromoteResult> | null = null;
  // The term in which being ACTIVE is in the database. The machine is ACTIVE the moment it decides; the
  // gate waits for the persist, which may refuse (the term is the peer's).
  let durableActiveTerm: number | null = null;
  const history: FailoverStatus['history'] = [];
  // Effects are performed one after another, in the order decided.
  let effectsDone: Promise<void> = Promise.resolve();

  const paired = (state: PairState) =>
    state.host !== null && state.host.status !== 'PENDING' && state.appliance.configuredRole !== 'STANDALONE';

  function publish() {
    if (!machine) {
      publishLiveHaState(null);
      return;
    }
    const active = machine.mode === 'ACTIVE' ? 'self' : machine.peer?.mode === 'ACTIVE' ? 'peer' : 'unknown';
    publishLiveHaState({ role: machine.role, mode: machine.mode, term: machine.term, active }, (term, source) =>
      feed({ type: 'term-seen', now: monoNow(), term, source }),
    );
  }

  // One observation in, the new state kept at once (the lease is in it), the effects queued.
  function feed(observation: Observation): Effect[] {
    if (!machine) return [];
    const result = step(machine, observation, FAILOVER_TIMERS);
    const before = machine;
    machine = result.state;
    if (machine.term !== before.term || machine.mode !== before.mode) {
      log.info(
        { from: `${before.mode}@${before.term}`, to: `${machine.mode}@${machine.term}`, observation: observation.type },
        'HA state changed',
      );
      publish();
    }
    if (result.effects.length > 0) {
      const effects = result.effects;
      effectsDone = effectsDone
        .then(() => perform(effects))
        .catch((error: unknown) => log.error({ err: String(error) }, 'failover effect failed'));
    }
    return result.effects;
  }

  // The gate opens only once ACTIVE is in the database (durableActiveTerm), and a restart reads the state
  // from there, so a persist that fails for a moment (the pool exhausted under load, a deadlock) is tried
  // again on every tick for as long as the machine is still in that state. Dropping it left a console
  // ACTIVE in memory, its peer stepped down to its term, and neither accepting a change.
  async function persistUntilStored(effect: Extract<Effect, { type: 'persist' }>) {
    for (;;) {
      try {
        return await persistHaState({ term: effect.term, mode: effect.mode, role: effect.role });
      } catch (error) {
        log.warn({ err: String(error), term: effect.term, mode: effect.mode }, 'storing the HA state failed; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, FAILOVER_TIMERS.TICK_MS));
      if (stopped || !machine || machine.term !== effect.term || machine.mode !== effect.mode || machine.role !== effect.role) return null;
    }
  }

  async function perform(effects: readonly Effect[]) {
    for (const effect of effects) {
      switch (effect.type) {
        case 'persist': {
          const stored = await persistUntilStored(effect);
          if (stored === null) break; // the machine moved on; its newer state is queued to be stored
          if (stored.refused) {
            log.warn({ term: effect.term, stored: stored.term }, 'promotion refused: the term was already known here');
            feed({ type: 'promotion-refused', now: monoNow(), term: stored.term });
          } else if (effect.mode === 'ACTIVE') durableActiveTerm = effect.term;
          break;
        }
        case 'audit':
          // The record of a role change that has happened: a failure to write it must not cost the
          // effects after it (the notice to the peer).
          await recordRoleChange({
            action: effect.action as AuditAction,
            outcome: 'success',
            target: pair?.host?.domain,
            details: { ...effect.details, reason: effect.reason },
          }).catch((error: unknown) => log.error({ err: String(error), action: effect.action }, 'recording a role change failed'));
          break;
        case 'notify-peer':
          void exchange();
          break;
        default:
          break; // replies are read by the caller of feed()
      }
    }
  }

  const gate = {
    check(): LeaseCheck {
      if (!reconciled) return { ok: false, message: gateMessage('starting'), transient: true };
      if (!machine) return { ok: true, token: null };
      const now = monoNow();
      if (machine.mode !== 'ACTIVE') return { ok: false, message: gateMessage('not-active'), transient: false };
      if (durableActiveTerm !== machine.term) return { ok: false, message: gateMessage('no-lease'), transient: true };
      if (machine.handover) return { ok: false, message: gateMessage('handover'), transient: false };
      if (!leaseHeld(machine, now)) return { ok: false, message: gateMessage('no-lease'), transient: true };
      return { ok: true, token: { term: machine.term, until: machine.leaseUntil! } };
    },
    stillHeld(token: { term: number; until: number }): boolean {
      if (!machine) return true;
      const now = monoNow();
      return machine.term === token.term && leaseHeld(machine, now) && now < token.until;
    },
  };
  setWriteLeaseGate(gate);

  async function ensurePeer(state: PairState) {
    const host = state.host!;
    const tls = await readTlsFiles(config.dataDir);
    const key = `${host.applianceId}|${host.address}:${host.peerPort}|${host.fingerprint}|${tls.cert}`;
    if (peer?.key === key) return;
    peer?.client.close();
    peer = null;
    const created = createPeerClient({ identity: tls, peer: { host: host.address, port: host.peerPort }, pinned: [host.certificatePem] });
    if (!created.ok) throw new Error(created.message);
    peer = { client: created.client, key, applianceId: host.applianceId, domain: host.domain, address: host.address, port: host.port };
  }

  async function reconcile() {
    const state = await readPairState();
    pair = state;
    if (!paired(state)) {
      if (machine) log.info('failover stopped: no applied pair');
      machine = null;
      peer?.client.close();
      peer = null;
      clearVotes();
      publish();
      reconciled = true;
      return;
    }
    await ensurePeer(state);
    const now = monoNow();
    if (!machine) {
      // A (re)started console is not active until it knows the current term (lib/ha/quorum.ts).
      durableActiveTerm = state.appliance.state === 'ACTIVE' ? Number(state.appliance.term) : null;
      machine = initialState(
        {
          role: state.appliance.configuredRole as 'PRIMARY' | 'SECONDARY',
          mode: state.appliance.state,
          term: Number(state.appliance.term),
        },
        now,
        FAILOVER_TIMERS,
      );
      log.info({ role: machine.role, mode: machine.mode, term: machine.term }, 'failover started; learning the current term');
      publish();
    }
    reconciled = true;
    // Replication adopts a higher term from the peer's messages in the database: learn it here too.
    const stored = Number(state.appliance.term);
    if (stored > machine.term) feed({ type: 'term-seen', now, term: stored, source: 'peer' });
    if (state.appliance.switchoverRequestedAt && (await takeSwitchoverRequest())) {
      void promote().then((result) => log.info({ result }, 'switchover requested by command'));
    }
  }

  function tick() {
    if (!machine || !pair) return;
    feed({
      type: 'tick',
      now: monoNow(),
      registered: pair.registered,
      votes: votes(),
      holdsData: holdsPairData(pair.appliance.configuredRole, pair.host?.snapshotState),
    });
    const at = Date.now();
    const last = history.at(-1);
    if (!last || at - last.at >= 1000) {
      history.push({ at, self: machine.fresh, peer: peerHeardAt !== null && monoNow() - peerHeardAt < 5000 ? peerVotes : null });
      if (history.length > HISTORY_SAMPLES) history.shift();
    }
  }

  let exchanging = false;
  async function exchange() {
    if (!machine || !peer || exchanging || !pair) return;
    exchanging = true;
    try {
      const sentAt = monoNow();
      const body: HaStatusRequest = {
        protocol: PEER_PROTOCOL_VERSION,
        from: pair.appliance.applianceId,
        term: machine.term,
        mode: machine.mode,
        role: machine.role,
        termKnown: machine.termKnown,
        wantPromise: machine.mode === 'ACTIVE',
        votes: machine.fresh,
      };
      const answer = await peer.client.request({ path: '/api/v1/peer/ha', body, response: haStatusResponse });
      const now = monoNow();
      if (!answer.ok) {
        feed({ type: 'peer-unreachable', now });
        return;
      }
      // An answer later than the timeout is still news of the peer's term, but no promise.
      const late = now - sentAt > EXCHANGE_TIMEOUT_MS;
      peerVotes = answer.value.votes;
      peerHeardAt = now;
      feed({
        type: 'peer-status',
        now,
        sentAt,
        term: answer.value.term,
        mode: answer.value.mode,
        promised: answer.value.promised && !late,
      });
    } finally {
      exchanging = false;
    }
  }

  // Planned switchover: stop writes, drain the journal to the peer, hand over at term + 1.
  async function promote(): Promise<PromoteResult> {
    if (switching) return switching;
    switching = (async (): Promise<PromoteResult> => {
      if (!machine || !peer || !pair)
        return { ok: false, message: 'This console is not part of an applied pair: there is no peer to hand over to.' };
      if (machine.mode !== 'ACTIVE')
        return {
          ok: false,
          message: `This console is ${machine.mode.toLowerCase()}, not the active console: run the switchover on the active console.`,
        };
      feed({ type: 'handover-start', now: monoNow() });
      const abort = async (message: string): Promise<PromoteResult> => {
        feed({ type: 'handover-abort', now: monoNow(), reason: message });
        await recordRoleChange({ action: 'ha.switchover', outcome: 'failure', target: pair?.host?.domain, details: { message } });
        return { ok: false, message };
      };
      const replication = replicationRuntime();
      const { seq: head } = await journalHead();
      const drained = replication ? await replication.waitForPeer(head, DRAIN_TIMEOUT_MS) : 'unpaired';
      if (drained !== 'replicated')
        return abort(
          `The peer did not confirm the journal up to record ${head} within ${DRAIN_TIMEOUT_MS / 1000} s, so nothing was handed over; this console stays active. Check the peer link on the High Availability page and try again.`,
        );
      const term = machine.term;
      const answer = await peer.client.request({
        path: '/api/v1/peer/handover',
        body: { protocol: PEER_PROTOCOL_VERSION, from: pair.appliance.applianceId, term, newTerm: term + 1, head: head.toString() },
        response: handoverResponse,
      });
      if (!answer.ok) return abort(`The peer refused the switchover: ${answer.message} This console stays active.`);
      feed({ type: 'handover-done', now: monoNow(), term: answer.value.term });
      await effectsDone;
      return { ok: true, term: answer.value.term };
    })().finally(() => {
      switching = null;
    });
    return switching;
  }

  endpointHolder().endpoint = {
    status(request) {
      if (!machine) return null;
      const now = monoNow();
      peerVotes = request.votes;
      peerHeardAt = now;
      feed({ type: 'term-seen', now, term: request.term, source: 'peer' });
      let promised = false;
      if (request.wantPromise) {
        const reply = feed({ type: 'promise-request', now, term: request.term, mode: request.mode, votes: votes() }).find(
          (e) => e.type === 'promise-reply',
        );
        promised = reply?.type === 'promise-reply' && reply.granted;
      }
      return { term: machine.term, mode: machine.mode, role: machine.role, termKnown: machine.termKnown, promised, votes: machine.fresh };
    },
    async handover(request, appliedSeq) {
      if (!machine) return { ok: false, message: 'This console is not part of an applied pair.' };
      if (appliedSeq === null || appliedSeq < BigInt(request.head))
        return {
          ok: false,
          message: `This console holds the sender's journal up to ${appliedSeq ?? 'nothing'}, not up to ${request.head}: it would lose changes.`,
        };
      const reply = feed({ type: 'handover-offer', now: monoNow(), term: request.newTerm }).find((e) => e.type === 'handover-reply');
      if (reply?.type !== 'handover-reply' || !reply.accepted)
        return { ok: false, message: reply?.type === 'handover-reply' && reply.reason ? reply.reason : 'The offer was refused.' };
      await effectsDone;
      return { ok: true, term: machine.term };
    },
  };

  const timers: NodeJS.Timeout[] = [];
  let reconciling: Promise<void> = Promise.resolve();
  const runReconcile = () => {
    reconciling = reconcile().catch((error: unknown) =>
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'failover reconcile failed'),
    );
  };
  runReconcile();
  await reconciling;
  timers.push(
    setInterval(() => {
      if (!stopped) runReconcile();
    }, RECONCILE_MS),
    setInterval(tick, FAILOVER_TIMERS.TICK_MS),
    setInterval(() => void exchange(), EXCHANGE_MS),
  );

  const runtime: FailoverRuntime = {
    status(): FailoverStatus {
      const m = machine;
      if (!m)
        return {
          role: 'PRIMARY',
          mode: 'ACTIVE',
          term: 0,
          termKnown: false,
          lease: { held: true, remainingMs: null, by: null },
          votes: { self: 0, peer: null, registered: pair?.registered ?? 0, confirmed: 0 },
          peer: null,
          handover: null,
          history: [],
        };
      const now = monoNow();
      const remaining = leaseRemaining(m, now);
      const held = remaining !== null;
      const reachable = peerHeardAt !== null && now - peerHeardAt < PEER_HEARD_MS;
      return {
        role: m.role,
        mode: m.mode,
        term: m.term,
        termKnown: m.termKnown,
        lease: {
          held,
          remainingMs: remaining === null ? null : Math.round(remaining),
          by: !held ? null : m.registered === 0 ? 'no-sensors' : m.fresh * 2 >= m.registered ? 'votes' : 'promise',
        },
        votes: { self: m.fresh, peer: reachable ? peerVotes : null, registered: m.registered, confirmed: m.confirmed },
        peer: m.peer ? { term: m.peer.term, mode: m.peer.mode, reachable } : null,
        handover: m.handover,
        history: [...history],
      };
    },
    promote,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await reconciling;
      await effectsDone;
      peer?.client.close();
      setWriteLeaseGate(null);
      publishLiveHaState(null);
      endpointHolder().endpoint = null;
      setFailoverRuntime(null);
    },
  };
  setFailoverRuntime(runtime);
  return runtime;
}
