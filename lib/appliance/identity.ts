import { loadConfig } from '../config/env.ts';
import { certificateFingerprint } from '../pki/fingerprint.ts';
import { getApplianceOrThrow } from './data.ts';
import { readTlsFiles } from './tls-files.ts';

// What another console learns about this one when it presents the connection-string token
// (the first step of pairing, docs/architecture.md).
export async function loadPeerIdentity() {
  const appliance = await getApplianceOrThrow();
  const { cert } = await readTlsFiles(loadConfig().dataDir);
  return {
    applianceId: appliance.applianceId,
    domain: appliance.domain,
    model: appliance.model,
    softwareVersion: appliance.softwareVersion,
    configuredRole: appliance.configuredRole,
    state: appliance.state,
    term: appliance.term.toString(),
    certificatePem: cert,
    fingerprint: certificateFingerprint(cert),
    time: new Date().toISOString(),
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}
