import { readTlsFiles } from '../appliance/tls-files.ts';
import { loadConfig } from '../config/env.ts';
import { createPeerClient } from '../peer/client.ts';
import { PEER_PROTOCOL_VERSION } from '../peer/protocol.ts';
import { certificateAck } from '../peer/replication-protocol.ts';
import { getApplianceForPeer, getTrustedPeer } from './data.ts';

export type AnnounceResult = { ok: true; announced: boolean } | { ok: false; code: 'PEER_NOT_TOLD'; message: string };

// Before this console serves a new certificate, its peer pins it (docs/peer-protocol.md, "Certificate
// replacement"). If the peer cannot be told, the certificate is not installed: served unannounced, it
// would cut the pair until both consoles were paired again.
export async function announceCertificate(certificatePem: string, fingerprint: string): Promise<AnnounceResult> {
  const host = await getTrustedPeer();
  if (!host || host.status === 'PENDING') return { ok: true, announced: false };
  const [self, tls] = await Promise.all([getApplianceForPeer(), readTlsFiles(loadConfig().dataDir)]);
  const created = createPeerClient({ identity: tls, peer: { host: host.address, port: host.peerPort }, pinned: [host.certificatePem] });
  if (!created.ok) return { ok: false, code: 'PEER_NOT_TOLD', message: created.message };
  try {
    const answer = await created.client.request({
      path: '/api/v1/peer/certificate',
      body: { protocol: PEER_PROTOCOL_VERSION, from: self.applianceId, term: self.term.toString(), certificatePem, fingerprint },
      response: certificateAck,
    });
    if (!answer.ok)
      return {
        ok: false,
        code: 'PEER_NOT_TOLD',
        message: `The paired console ${host.domain} could not be told of the new certificate first (${answer.message}), so it was not installed: served unannounced it would cut the pair. Replace it once ${host.domain} is reachable, or unpair first.`,
      };
    return { ok: true, announced: true };
  } finally {
    created.client.close();
  }
}
