import { loadConfig } from '../config/env.ts';
import { getSetting } from '../settings/data.ts';
import { getApplianceOrThrow } from './data.ts';

// What every console page's frame needs: the name in the header and the idle limit for the client timer.
export async function loadConsoleFrame() {
  const [appliance, idleMinutes, name] = await Promise.all([
    getApplianceOrThrow(),
    getSetting('session.idleTimeoutMinutes'),
    getSetting('console.name'),
  ]);
  // An Admin may name the console (System Settings → General); until then it goes by its domain.
  return { consoleName: name || appliance.domain, idleMinutes };
}

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

// System Settings → General.
export async function loadConsoleNameSettings() {
  const [name, appliance] = await Promise.all([getSetting('console.name'), getApplianceOrThrow()]);
  return { name, domain: appliance.domain };
}
