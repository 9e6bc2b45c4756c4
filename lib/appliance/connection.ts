import { loadConfig } from '../config/env.ts';
import { formatConnectionString } from './connection-string.ts';
import { getApplianceOrThrow } from './data.ts';

export async function loadConnectionString(): Promise<string> {
  const config = loadConfig();
  const appliance = await getApplianceOrThrow();
  return formatConnectionString(config.publicAddress, config.httpsPort, appliance.connectionToken);
}

// What the page shows before the eye is pressed: the address part only, so the token never reaches the
// browser unless an Admin asks for it.
export async function loadMaskedConnectionString(): Promise<{ prefix: string; tokenLength: number; rotatedAt: string }> {
  const config = loadConfig();
  const appliance = await getApplianceOrThrow();
  return {
    prefix: formatConnectionString(config.publicAddress, config.httpsPort, ''),
    tokenLength: appliance.connectionToken.length,
    rotatedAt: appliance.tokenRotatedAt.toISOString(),
  };
}
