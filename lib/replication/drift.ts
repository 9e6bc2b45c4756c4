import { readTlsFiles } from '../appliance/tls-files.ts';
import { loadConfig } from '../config/env.ts';
import { createPeerClient } from '../peer/client.ts';
import { PEER_PROTOCOL_VERSION } from '../peer/protocol.ts';
import { digestResponse } from '../peer/replication-protocol.ts';
import { DIGEST_TIMEOUT_MS, getApplianceForPeer, getTrustedPeer, withDigestSnapshot } from './data.ts';
import { compareDigests, isSettled, type DriftEntity, type Positions } from './digest.ts';

// The drift check (docs/peer-protocol.md, "Drift check"): does the peer hold what this console holds,
// entity by entity? Digests only compare when both consoles stand at the same journal position, so the
// check retries for a while when replication is still moving, and says so if it never stood still.

type PositionsView = { head: string; appliedSeq: string | null };
export type DriftPositions = { local: PositionsView; peer: PositionsView };

export type DriftResult =
  | {
      ok: true;
      settled: true;
      peer: { domain: string; applianceId: string };
      positions: DriftPositions;
      // How many times both consoles were read before they stood at the same position.
      attempts: number;
      entities: DriftEntity[];
    }
  | {
      ok: true;
      settled: false;
      peer: { domain: string; applianceId: string };
      positions: DriftPositions;
      attempts: number;
      entities: [];
    }
  | { ok: false; code: string; message: string };

export type DriftOptions = {
  // How long to keep trying for a moment when both consoles stand at the same position.
  settleTimeoutMs?: number;
  retryMs?: number;
};

const view = (p: Positions): PositionsView => ({ head: p.head.toString(), appliedSeq: p.appliedSeq?.toString() ?? null });

export async function checkDrift(options: DriftOptions = {}): Promise<DriftResult> {
  const settleTimeoutMs = options.settleTimeoutMs ?? 10_000;
  const retryMs = options.retryMs ?? 200;
  const [host, self] = await Promise.all([getTrustedPeer(), getApplianceForPeer()]);
  if (!host || self.configuredRole === 'STANDALONE') {
    const pending = host
      ? ` (${host.domain} is trusted but the pair is not applied: run cyberx-management-trusted-hosts-apply on the primary)`
      : '';
    return {
      ok: false,
      code: 'NOT_PAIRED',
      message: `This console is not paired${pending}, so there is no peer to compare with.`,
    };
  }
  let tls: { key: string; cert: string };
  try {
    tls = await readTlsFiles(loadConfig().dataDir);
  } catch (error) {
    return {
      ok: false,
      code: 'TLS_FILES_UNREADABLE',
      message: `Cannot read this console's TLS key and certificate to call the peer (${(error as NodeJS.ErrnoException).code ?? 'error'}): run as root or as the user the data directory belongs to.`,
    };
  }
  // The peer answers only once it has computed every digest: no byte arrives before, so the usual
  // read-idle bound of a peer call would cut a large database's check short.
  const created = createPeerClient({
    identity: tls,
    peer: { host: host.address, port: host.peerPort },
    pinned: [host.certificatePem],
    idleTimeoutMs: DIGEST_TIMEOUT_MS,
    totalTimeoutMs: DIGEST_TIMEOUT_MS,
  });
  if (!created.ok) return { ok: false, code: created.code, message: created.message };
  const peer = { domain: host.domain, applianceId: host.applianceId };
  const consoles = [
    { applianceId: self.applianceId, name: self.domain },
    { applianceId: host.applianceId, name: host.domain },
  ];
  const deadline = performance.now() + settleTimeoutMs;
  try {
    for (let attempts = 1; ; attempts++) {
      const result = await withDigestSnapshot(
        host.applianceId,
        async ({ positions, auditSharedAfter, digests }): Promise<DriftResult> => {
          const answer = await created.client.request({
            path: '/api/v1/peer/digest',
            body: {
              protocol: PEER_PROTOCOL_VERSION,
              from: self.applianceId,
              term: self.term.toString(),
              head: positions.head.toString(),
              appliedSeq: positions.appliedSeq?.toString() ?? null,
              auditSharedAfter: auditSharedAfter.toString(),
            },
            response: digestResponse,
          });
          if (!answer.ok) return { ok: false, code: answer.code, message: `Could not compare with ${host.domain}: ${answer.message}` };
          if (answer.value.applianceId !== host.applianceId)
            return {
              ok: false,
              code: 'PEER_MISMATCH',
              message: `The console at ${host.address}:${host.peerPort} answered as appliance ${answer.value.applianceId}, not the paired ${host.applianceId}: pair the consoles again.`,
            };
          const theirs: Positions = {
            head: BigInt(answer.value.head),
            appliedSeq: answer.value.appliedSeq === null ? null : BigInt(answer.value.appliedSeq),
          };
          const positionsView = { local: view(positions), peer: view(theirs) };
          if (!isSettled(positions, theirs) || !answer.value.settled || !answer.value.digests)
            return { ok: true, settled: false, peer, positions: positionsView, attempts, entities: [] };
          return {
            ok: true,
            settled: true,
            peer,
            positions: positionsView,
            attempts,
            entities: compareDigests(await digests(BigInt(answer.value.auditSharedAfter)), answer.value.digests, consoles),
          };
        },
        2 * DIGEST_TIMEOUT_MS,
      );
      if (!result.ok || result.settled || performance.now() + retryMs > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  } finally {
    created.client.close();
  }
}
