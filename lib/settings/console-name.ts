import { getApplianceOrThrow } from '../appliance/data.ts';
import { getSetting } from './data.ts';

export async function loadConsoleNameSettings() {
  const [name, appliance] = await Promise.all([getSetting('console.name'), getApplianceOrThrow()]);
  return { name, domain: appliance.domain };
}
