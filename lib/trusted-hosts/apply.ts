import type { Actor } from '../audit/actor.ts';
import { recordAudit } from '../audit/mutations.ts';
import { readTlsFiles } from '../appliance/tls-files.ts';
import { loadConfig } from '../config/env.ts';
import { getLogger } from '../logs/logger.ts';
import { createPeerClient } from '../peer/client.ts';
import { PEER_PROTOCOL_VERSION } from '../peer/protocol.ts';
import { applyResponse } from '../peer/replication-protocol.ts';
import { getApplianceForPeer, getTrustedPeer } from '../replication/data.ts';
import { becomePrimary, becomeStandalone } from '../replication/mutations.ts';

const LISTENER_GRACE_MS = 3000;

export type ApplyResult =
  | { ok: true; outcome: 'paired'; peer: string; alreadyApplied: boolean; appliedAt: Date }
  | { ok: true; outcome: 'standalone'; wasPaired: boolean }
  | { ok: false; code: string; message: string };

// trusted-hosts-apply (docs/peer-protocol.md, "Pairing"): makes the pair recorded by trusted-hosts-add
// take effect, or — once the trusted host was removed — makes this console standalone again. On the
// primary it tells the secondary first, over the mutual-TLS channel that pins both certificates from now
// on; the running console then sends the snapshot and streams the journal (lib/replication/runtime.ts).
export async function applyTrustedHosts(actor: Actor): Promise<ApplyResult> {
  const [host, self] = await Promise.all([getTrustedPeer(), getApplianceForPeer()]);
  if (!host) {
    const wasPaired = self.configuredRole !== 'STANDALONE';
    if (wasPaired) {
      await becomeStandalone();
      await recordAudit({
        actor: actor.username,
        ip: actor.ip,
        action: 'trusted-host.apply',
        outcome: 'success',
        details: { role: 'STANDALONE' },
      });
      getLogger('ha').info('pair removed: this console is standalone');
    }
    return { ok: true, outcome: 'standalone', wasPaired };
  }
  if (host.role === 'PRIMARY') {
    if (host.status !== 'PENDING')
      return { ok: true, outcome: 'paired', peer: host.domain, alreadyApplied: true, appliedAt: host.appliedAt! };
    return {
      ok: false,
      code: 'APPLY_ON_PRIMARY',
      message: `This console is the pending secondary of ${host.domain}: run cyberx-management-trusted-hosts-apply on the primary (${host.address}).`,
    };
  }
  // Applied already: the stream runs, and telling the secondary again would move its position back.
  if (host.status !== 'PENDING')
    return { ok: true, outcome: 'paired', peer: host.domain, alreadyApplied: true, appliedAt: host.appliedAt! };
  const config = loadConfig();
  const tls = await readTlsFiles(config.dataDir);
  const created = createPeerClient({ identity: tls, peer: { host: host.address, port: host.peerPort }, pinned: [host.certificatePem] });
  if (!created.ok) return { ok: false, code: created.code, message: created.message };
  try {
    const ask = () =>
      created.client.request({
        path: '/api/v1/peer/apply',
        body: { protocol: PEER_PROTOCOL_VERSION, from: self.applianceId, term: self.term.toString() },
        response: applyResponse,
      });
    // The pending secondary opens its peer listener within a second of trusting this console (its
    // reconcile loop), so an apply run right after -add may find nothing listening yet: a connection that
    // was never made reached nothing, and is tried again for a few seconds.
    let answer = await ask();
    for (const started = Date.now(); !answer.ok && answer.code === 'PEER_UNREACHABLE' && Date.now() - started < LISTENER_GRACE_MS;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await ask();
    }
    if (!answer.ok)
      return {
        ok: false,
        code: answer.code,
        message: `${host.domain} did not take the pair: ${answer.message} Nothing changed on this console.`,
      };
    await becomePrimary({ applianceId: host.applianceId, journalSeq: BigInt(answer.value.journalSeq) });
  } finally {
    created.client.close();
  }
  await recordAudit({
    actor: actor.username,
    ip: actor.ip,
    action: 'trusted-host.apply',
    outcome: 'success',
    target: host.domain,
    details: { role: 'PRIMARY', secondary: `${host.address}:${host.peerPort}`, fingerprint: host.fingerprint },
  });
  getLogger('ha').info({ secondary: host.domain }, 'pair applied: this console is the primary');
  const applied = await getTrustedPeer();
  return { ok: true, outcome: 'paired', peer: host.domain, alreadyApplied: false, appliedAt: applied?.appliedAt ?? new Date() };
}
