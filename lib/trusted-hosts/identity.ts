import { loadConfig } from '../config/env.ts';
import { PEER_PROTOCOL_VERSION, type PeerIdentity } from '../peer/protocol.ts';
import { certificateFingerprint } from '../pki/fingerprint.ts';
import { getSetting } from '../settings/data.ts';
import { countInventory, listTrustedHosts } from './data.ts';
import { getApplianceOrThrow } from '../appliance/data.ts';
import { readTlsFiles } from '../appliance/tls-files.ts';

// What another console learns about this one once it proved the connection-string token (pairing
// step a, docs/peer-protocol.md), and what this console offers as primary (step c).
export async function loadPeerIdentity(now = Date.now()): Promise<PeerIdentity> {
  const config = loadConfig();
  const [appliance, { cert }, timezone, disconnectAfterSeconds, hosts] = await Promise.all([
    getApplianceOrThrow(),
    readTlsFiles(config.dataDir),
    getSetting('time.timezone'),
    getSetting('sensors.disconnectAfterSeconds'),
    listTrustedHosts(),
  ]);
  const peer = hosts[0];
  return {
    protocol: PEER_PROTOCOL_VERSION,
    applianceId: appliance.applianceId,
    domain: appliance.domain,
    address: `${config.publicAddress}:${config.httpsPort}`,
    peerPort: config.peerPort,
    model: appliance.model,
    softwareVersion: appliance.softwareVersion,
    configuredRole: appliance.configuredRole,
    state: appliance.state,
    term: appliance.term.toString(),
    certificatePem: cert,
    fingerprint: certificateFingerprint(cert),
    clock: now,
    timezone,
    pairedWith: peer ? { domain: peer.domain, address: `${peer.address}:${peer.port}`, fingerprint: peer.fingerprint } : null,
    inventory: await countInventory(new Date(now - disconnectAfterSeconds * 1000)),
  };
}
