import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { readTlsFiles } from '../appliance/tls-files.ts';
import type { ApplianceConfig } from '../config/env.ts';
import { serveNodeRequest } from '../http/node.ts';
import { createPeerClient, type PeerClient } from '../peer/client.ts';
import { createPeerServer, type PeerServer } from '../peer/server-tls.ts';
import { processSingleton } from '../runtime/process-singleton.ts';
import { recordAudit } from '../audit/mutations.ts';
import { setDurabilityPolicy } from '../sensors/durability.ts';
import { getSetting } from '../settings/data.ts';
import { getApplianceForPeer, getTrustedPeer, journalHead } from './data.ts';
import { setPeerCommitWaiter } from '../runtime/peer-commit.ts';
import { PEER_FINGERPRINT_HEADER } from './http/handlers.ts';
import { peerRouter } from './http/router.ts';
import type { HttpHandler } from '../http/types.ts';
import { pruneJournal } from './mutations.ts';
import { startPump, type Pump, type PumpStatus } from './pump.ts';

// The console's side of a pair, in the server process: the peer listener while a peer is trusted, and
// the pump while the pair is applied. A reconcile loop brings both in line with the database, so a
// change made by a command in another process (trusted-hosts-apply, -remove) takes effect within a
// second, with no signal between processes.

export type ReplicationRuntime = {
  stop(): Promise<void>;
  // Resolves 'replicated' once the peer holds every journal record up to `seq`; 'pending' after the
  // wait; 'unpaired' at once when no pump runs here.
  waitForPeer(seq: bigint, timeoutMs: number): Promise<'replicated' | 'pending' | 'unpaired'>;
  kick(): void;
  status(): PumpStatus | null;
  // The peer has not answered for longer than the window (ha.unreachableWindowSeconds).
  degraded(): { since: number; strict: boolean } | null;
};

type Hook = { runtime: ReplicationRuntime | null };
const hook = (): Hook => processSingleton('replication-runtime', () => ({ runtime: null }));

// For server actions (in the Next.js bundle): the runtime server.ts started, if any.
export function replicationRuntime(): ReplicationRuntime | null {
  return hook().runtime;
}

const RECONCILE_MS = 1000;
const PRUNE_EVERY_MS = 60_000;

export async function startReplicationRuntime(
  config: ApplianceConfig,
  log: Logger,
  options: { peerRoutes?: Record<string, HttpHandler> } = {},
): Promise<ReplicationRuntime> {
  const router = peerRouter(options.peerRoutes);
  let listener: { peer: PeerServer; pinned: string; identity: string } | null = null;
  let pump: { pump: Pump; client: PeerClient; key: string } | null = null;
  let stopped = false;
  let lastPrune = 0;
  let windowMs = 30_000;
  let strict = false;
  let degradedSince: number | null = null;
  const isDegraded = () => pump !== null && pump.pump.silentForMs() > windowMs;
  // Paired, sensors drop only what the peer holds too; past the window, what this console committed,
  // unless strict mode keeps them holding (lib/sensors/durability.ts).
  setPeerCommitWaiter(async (timeoutMs) => {
    if (!pump) return 'standalone';
    const { seq } = await journalHead();
    return (await pump.pump.waitForPeer(seq, timeoutMs)) ? 'replicated' : 'pending';
  });
  setDurabilityPolicy(({ ackedSeq, replicatedSeq }) => (pump === null || (isDegraded() && !strict) ? ackedSeq : replicatedSeq));

  const closeListener = async () => {
    if (!listener) return;
    const { server } = listener.peer;
    listener = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    log.info('peer listener closed');
  };
  const stopPump = async () => {
    if (!pump) return;
    const current = pump;
    pump = null;
    await current.pump.stop();
    current.client.close();
    log.info('replication stopped');
  };

  async function reconcile() {
    const [host, self, tls] = await Promise.all([getTrustedPeer(), getApplianceForPeer(), readTlsFiles(config.dataDir)]);
    if (!host) {
      await stopPump();
      await closeListener();
    } else {
      if (listener && listener.identity !== tls.cert) {
        listener.peer.replaceIdentity(tls);
        listener.identity = tls.cert;
      }
      if (listener && listener.pinned !== host.certificatePem) {
        listener.peer.replacePins([host.certificatePem]);
        listener.pinned = host.certificatePem;
      }
      if (!listener) {
        const created = createPeerServer({ identity: tls, pinned: [host.certificatePem], onRequest: serve });
        if (!created.ok) throw new Error(created.message);
        await new Promise<void>((resolve, reject) => {
          created.peer.server.once('error', reject);
          created.peer.server.listen(config.peerPort, config.bindAddress, () => resolve());
        });
        created.peer.server.on('error', (error) => log.error({ err: error }, 'peer listener error'));
        listener = { peer: created.peer, pinned: host.certificatePem, identity: tls.cert };
        log.info({ address: `${config.bindAddress}:${config.peerPort}`, peer: host.domain }, 'peer listener open');
      }
      const applied = host.status !== 'PENDING' && self.configuredRole !== 'STANDALONE';
      const key = `${host.applianceId}|${host.address}:${host.peerPort}|${host.fingerprint}|${tls.cert}`;
      if (pump && (!applied || pump.key !== key)) await stopPump();
      if (applied && !pump) {
        const created = createPeerClient({
          identity: tls,
          peer: { host: host.address, port: host.peerPort },
          pinned: [host.certificatePem],
        });
        if (!created.ok) throw new Error(created.message);
        pump = {
          key,
          client: created.client,
          pump: startPump({
            client: created.client,
            peer: { applianceId: host.applianceId, domain: host.domain },
            self: async () => {
              const me = await getApplianceForPeer();
              return { applianceId: me.applianceId, term: me.term, configuredRole: me.configuredRole };
            },
            log,
          }),
        };
        log.info({ peer: host.domain, address: `${host.address}:${host.peerPort}` }, 'replication started');
      }
    }
    [windowMs, strict] = await Promise.all([
      getSetting('ha.unreachableWindowSeconds').then((s) => s * 1000),
      getSetting('ha.strictEvents'),
    ]);
    await watchDegraded(host?.domain ?? null);
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      const pruned = await pruneJournal({
        keepAfter: host ? host.peerAppliedSeq : null,
        olderThan: new Date(Date.now() - config.journalRetentionHours * 3_600_000),
      });
      if (pruned > 0) log.info({ pruned }, 'journal records pruned');
    }
  }

  // The peer away past the window is said loudly once, and its return too.
  async function watchDegraded(peer: string | null) {
    const now = isDegraded();
    if (now && degradedSince === null) {
      degradedSince = Date.now();
      log.warn({ peer, windowSeconds: windowMs / 1000, strict }, 'peer unreachable past the window');
      await recordAudit({
        actor: 'system',
        action: 'ha.peer-unreachable',
        outcome: 'failure',
        target: peer ?? undefined,
        details: {
          windowSeconds: windowMs / 1000,
          strict,
          consequence: strict ? 'sensors keep events the peer does not hold' : 'events are acknowledged without a copy on the peer',
        },
      });
    } else if (!now && degradedSince !== null) {
      const seconds = Math.round((Date.now() - degradedSince) / 1000);
      degradedSince = null;
      log.info({ peer, seconds }, 'peer reachable again');
      await recordAudit({
        actor: 'system',
        action: 'ha.peer-reachable',
        outcome: 'success',
        target: peer ?? undefined,
        details: { seconds },
      });
    }
  }

  function serve(request: IncomingMessage, response: ServerResponse, peer: { fingerprint: string }) {
    // The certificate the listener checked, for the handlers' sender check; never what a client claims.
    request.headers[PEER_FINGERPRINT_HEADER] = peer.fingerprint;
    const pathname = (request.url ?? '/').split('?')[0]!;
    void serveNodeRequest(router, request, response, pathname);
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = reconcile()
      .catch((error: unknown) => log.error({ err: error instanceof Error ? error.message : String(error) }, 'replication reconcile failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, RECONCILE_MS);
      });
  };
  await reconcile().catch((error: unknown) =>
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'replication reconcile failed'),
  );
  timer = setTimeout(loop, RECONCILE_MS);

  const runtime: ReplicationRuntime = {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await stopPump();
      await closeListener();
      setDurabilityPolicy(null);
      setPeerCommitWaiter(null);
      hook().runtime = null;
    },
    async waitForPeer(seq, timeoutMs) {
      if (!pump) return 'unpaired';
      return (await pump.pump.waitForPeer(seq, timeoutMs)) ? 'replicated' : 'pending';
    },
    kick: () => pump?.pump.kick(),
    status: () => pump?.pump.status() ?? null,
    degraded: () => (degradedSince === null ? null : { since: degradedSince, strict }),
  };
  hook().runtime = runtime;
  return runtime;
}
