import { getSetting } from '../settings/data.ts';
import { getApplianceOrThrow } from './data.ts';

// What every console page's frame needs: the name in the header and the idle limit for the client timer.
export async function loadConsoleFrame() {
  const [appliance, idleMinutes] = await Promise.all([getApplianceOrThrow(), getSetting('session.idleTimeoutMinutes')]);
  return { consoleName: appliance.domain, idleMinutes };
}
