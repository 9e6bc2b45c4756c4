import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withSnapshot } from '../backups/data.ts';
import type { PeerClient } from '../peer/client.ts';
import { PEER_PROTOCOL_VERSION } from '../peer/protocol.ts';
import { helloResponse, journalAck, snapshotAck, type HelloResponse } from '../peer/replication-protocol.ts';
import { getTrustedPeer, journalHead, readJournalBatch } from './data.ts';
import { markPeerStatus, recordPeerProgress, recordReplicatedEvents } from './mutations.ts';
import type { TableChanges } from '../peer/replication-protocol.ts';
import { APPLY_ORDER, isReplicatedTable } from './tables.ts';

// Sends this console's journal to its peer (docs/peer-protocol.md, "Replication"): ask where the peer
// stands, send a snapshot first if it has none (the primary only), then stream every record after that
// position in order, one batch at a time, each acknowledged before the next. The position lives on the
// receiver, written with the rows, so whichever console restarts the stream resumes where it stopped.

export type PumpSelf = { applianceId: string; term: bigint; configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY' };

export type PumpOptions = {
  client: PeerClient;
  peer: { applianceId: string; domain: string };
  self: () => Promise<PumpSelf>;
  log: Logger;
  // Between looks at the journal when there was nothing to send (a local write also wakes the pump).
  idlePollMs?: number;
  // A quiet link is checked this often, so that a peer that went away is noticed without traffic.
  keepaliveMs?: number;
  // Without an answer for this long, the peer is reported unreachable.
  unreachableAfterMs?: number;
};

export type PumpStatus = {
  phase: 'connecting' | 'snapshot' | 'streaming' | 'waiting';
  reachable: boolean;
  peerAppliedSeq: bigint | null;
  // performance.now() of the last answer from the peer.
  lastContact: number | null;
  lastError: string | null;
  snapshot: { sent: number; total: number } | null;
};

export type Pump = {
  stop(): Promise<void>;
  // A local write committed: look at the journal now rather than at the next poll.
  kick(): void;
  // Resolves true once the peer has applied every record up to `seq`, false after `timeoutMs`.
  waitForPeer(seq: bigint, timeoutMs: number): Promise<boolean>;
  status(): PumpStatus;
  // Since the peer last answered (Infinity before it ever did).
  silentForMs(): number;
};

class PumpFailure extends Error {}

export function startPump(options: PumpOptions): Pump {
  const idlePollMs = options.idlePollMs ?? 50;
  const keepaliveMs = options.keepaliveMs ?? 1000;
  const unreachableAfterMs = options.unreachableAfterMs ?? 5000;
  const log = options.log;
  const status: PumpStatus = {
    phase: 'connecting',
    reachable: false,
    peerAppliedSeq: null,
    lastContact: null,
    lastError: null,
    snapshot: null,
  };
  const startedAt = performance.now();
  let stopped = false;
  let wake: (() => void) | null = null;
  let kicked = false;
  let reportedUnreachable = false;
  const waiters = new Set<{ seq: bigint; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (kicked || stopped) {
        kicked = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        kicked = false;
        resolve();
      }
      wake = done;
    });

  const envelope = async () => {
    const self = await options.self();
    return { self, body: { protocol: PEER_PROTOCOL_VERSION, from: self.applianceId, term: self.term.toString() } };
  };

  function contact() {
    status.lastContact = performance.now();
    status.reachable = true;
    status.lastError = null;
    if (reportedUnreachable) {
      reportedUnreachable = false;
      log.info({ peer: options.peer.domain }, 'peer reachable again');
      void markPeerStatus('PAIRED').catch(() => undefined);
    }
  }

  function failed(message: string) {
    status.lastError = message;
    const silentFor = status.lastContact === null ? Infinity : performance.now() - status.lastContact;
    if (silentFor >= unreachableAfterMs && !reportedUnreachable) {
      reportedUnreachable = true;
      status.reachable = false;
      log.warn({ peer: options.peer.domain, reason: message }, 'peer unreachable');
      void markPeerStatus('UNREACHABLE').catch(() => undefined);
    }
  }

  function acknowledged(seq: bigint) {
    status.peerAppliedSeq = seq;
    for (const waiter of waiters)
      if (waiter.seq <= seq) {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        waiter.resolve(true);
      }
  }

  async function hello(): Promise<HelloResponse> {
    const { body } = await envelope();
    const answer = await options.client.request({ path: '/api/v1/peer/hello', body, response: helloResponse });
    if (!answer.ok) throw new PumpFailure(answer.message);
    contact();
    if (answer.value.applianceId !== options.peer.applianceId)
      throw new PumpFailure(
        `The peer answered as appliance ${answer.value.applianceId}, not the paired ${options.peer.applianceId}: pair the consoles again.`,
      );
    return answer.value;
  }

  async function sendSnapshot(): Promise<bigint> {
    status.phase = 'snapshot';
    const snapshotId = randomUUID();
    const started = performance.now();
    const position = await withSnapshot(async (snapshot) => {
      const tables = APPLY_ORDER.map((name) => snapshot.tables.find((t) => t.name === name)).filter((t) => t && isReplicatedTable(t.name));
      let total = 0;
      for (const table of tables) total += await snapshot.countRows(table!);
      status.snapshot = { sent: 0, total };
      await recordPeerProgress({ reachable: true, snapshot: { state: 'sending', rows: 0n, total: BigInt(total) } });
      const send = async (part: Record<string, unknown>) => {
        const { body } = await envelope();
        const answer = await options.client.request({
          path: '/api/v1/peer/snapshot',
          body: { ...body, snapshotId, ...part },
          response: snapshotAck,
        });
        if (!answer.ok) throw new PumpFailure(answer.message);
        contact();
      };
      const positionText = snapshot.journalPosition.toString();
      await send({ part: 'begin', position: positionText, totalRows: total });
      let index = 0;
      let lastReport = 0;
      const heldAtSnapshot = new Map<string, number>();
      for (const table of tables)
        for await (const lines of snapshot.rows(table!)) {
          if (table!.name === 'sensor')
            for (const line of lines) {
              const row = JSON.parse(line) as { id: string; acked_seq: number };
              heldAtSnapshot.set(row.id, Number(row.acked_seq));
            }
          if (stopped) throw new PumpFailure('stopping');
          await send({ part: 'rows', index: index++, changes: { table: table!.name, rows: lines, deleted: [] } });
          status.snapshot.sent += lines.length;
          if (performance.now() - lastReport > 500) {
            lastReport = performance.now();
            await recordPeerProgress({ reachable: true, snapshot: { state: 'sending', rows: BigInt(status.snapshot.sent) } });
          }
        }
      await send({ part: 'end', position: positionText, rows: status.snapshot.sent });
      return { position: snapshot.journalPosition, heldAtSnapshot };
    }).then(async ({ position, heldAtSnapshot }) => {
      // Every event the snapshot carried is held by the peer now.
      await recordReplicatedEvents(heldAtSnapshot);
      return position;
    });
    const seconds = (performance.now() - started) / 1000;
    log.info({ peer: options.peer.domain, rows: status.snapshot?.sent, position: position.toString(), seconds }, 'snapshot sent');
    await recordPeerProgress({
      reachable: true,
      peerAppliedSeq: position,
      snapshot: { state: 'done', rows: BigInt(status.snapshot?.sent ?? 0), seq: position, at: new Date() },
    });
    acknowledged(position);
    return position;
  }

  // Streams until the peer refuses the position (then the caller asks it again) or the link fails.
  async function stream(from: bigint): Promise<void> {
    status.phase = 'streaming';
    let applied = from;
    let lastExchange = performance.now();
    while (!stopped) {
      // One cheap read while idle; the snapshot transaction that gathers a batch only when there is one.
      const batch = (await journalHead()).seq > applied ? await readJournalBatch(applied) : null;
      if (!batch) {
        status.phase = 'waiting';
        if (performance.now() - lastExchange >= keepaliveMs) {
          const answer = await hello();
          lastExchange = performance.now();
          if (answer.appliedSeq !== applied.toString()) return;
        }
        await sleep(idlePollMs);
        continue;
      }
      status.phase = 'streaming';
      const { body } = await envelope();
      const answer = await options.client.request({
        path: '/api/v1/peer/journal',
        body: {
          ...body,
          after: applied.toString(),
          upTo: batch.upTo.toString(),
          records: batch.records,
          changes: batch.changes,
          newestAt: batch.newestAt,
        },
        response: journalAck,
      });
      lastExchange = performance.now();
      if (!answer.ok) {
        if (answer.code === 'PEER_REFUSED') {
          contact();
          log.warn({ peer: options.peer.domain, code: answer.peerCode, reason: answer.message }, 'journal batch refused');
          // Out of order: ask where the peer stands at once. Anything else will not pass by itself soon.
          if (answer.peerCode !== 'OUT_OF_ORDER') await sleep(2000);
          return;
        }
        throw new PumpFailure(answer.message);
      }
      contact();
      applied = BigInt(answer.value.appliedSeq);
      await recordReplicatedEvents(replicatedEventsOf(batch.changes));
      acknowledged(applied);
      await recordPeerProgress({ reachable: true, peerAppliedSeq: applied });
    }
  }

  async function run() {
    let backoff = 250;
    while (!stopped) {
      try {
        status.phase = 'connecting';
        const answer = await hello();
        const { self } = await envelope();
        let applied = answer.appliedSeq === null ? null : BigInt(answer.appliedSeq);
        // Records the peer needs may be pruned only if it now stands below what it acknowledged before
        // (pruning keeps everything above that): it lost data, say by a restore. A gap in seq alone (a
        // rolled-back append) is not a reason to send everything again.
        const [head, acknowledgedBefore] = await Promise.all([journalHead(), peerAcknowledged()]);
        const pruned = applied !== null && applied < acknowledgedBefore && head.oldest !== null && applied < head.oldest - 1n;
        if (self.configuredRole === 'PRIMARY' && (applied === null || answer.snapshotIncomplete || pruned)) applied = await sendSnapshot();
        if (applied === null)
          throw new PumpFailure(`${options.peer.domain} has no position for this console's journal: apply the pair again on the primary.`);
        acknowledged(applied);
        await recordPeerProgress({ reachable: true, peerAppliedSeq: applied });
        backoff = 250;
        await stream(applied);
      } catch (error) {
        if (stopped) break;
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof PumpFailure)) log.error({ err: error, peer: options.peer.domain }, 'replication failed');
        failed(message);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  const running = run();
  return {
    async stop() {
      stopped = true;
      wake?.();
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(false);
      }
      waiters.clear();
      await running;
    },
    kick() {
      kicked = true;
      wake?.();
    },
    waitForPeer(seq, timeoutMs) {
      if (status.peerAppliedSeq !== null && status.peerAppliedSeq >= seq) return Promise.resolve(true);
      // A peer silent for longer than the whole wait is down or cut off (a healthy one answers a keepalive
      // every second): waiting for it would only delay the answer, as on a secondary that just took over
      // from a primary that crashed. The change is committed here either way; the answer says it is pending.
      if (this.silentForMs() >= timeoutMs) return Promise.resolve(false);
      return new Promise((resolve) => {
        const waiter = {
          seq,
          resolve,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            resolve(false);
          }, timeoutMs),
        };
        waiters.add(waiter);
        this.kick();
      });
    },
    status: () => ({ ...status, snapshot: status.snapshot && { ...status.snapshot } }),
    // Counted from the start until the peer first answers: a console just started is not "away" yet.
    silentForMs: () => performance.now() - (status.lastContact ?? startedAt),
  };
}

// The highest event seq of each sensor in a batch the peer applied. Batches go in journal order and a
// sensor's events are stored without gaps, so every earlier event of that sensor is on the peer too.
export function replicatedEventsOf(changes: readonly TableChanges[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const change of changes) {
    if (change.table !== 'sensor_event') continue;
    for (const line of change.rows) {
      const row = JSON.parse(line) as { sensor_id: string; seq: number };
      held.set(row.sensor_id, Math.max(held.get(row.sensor_id) ?? 0, Number(row.seq)));
    }
  }
  return held;
}

async function peerAcknowledged(): Promise<bigint> {
  return (await getTrustedPeer())?.peerAppliedSeq ?? 0n;
}
