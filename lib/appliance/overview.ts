import { loadConfig } from '../config/env.ts';
import { getApplianceOrThrow } from './data.ts';

export async function loadOverview() {
  const appliance = await getApplianceOrThrow();
  const config = loadConfig();
  return {
    domain: appliance.domain,
    model: appliance.model,
    softwareVersion: appliance.softwareVersion,
    configuredRole: appliance.configuredRole,
    state: appliance.state,
    term: appliance.term.toString(),
    address: `${config.publicAddress}:${config.httpsPort}`,
  };
}
