import { getApplianceOrThrow } from '../appliance/data.ts';
import { loadConfig } from '../config/env.ts';
import { getSetting } from '../settings/data.ts';
import { CLOCK_TOLERANCE_MS, MIN_CONNECTED_SENSORS } from './prerequisites.ts';
import { loadHaStatus, type HaStatusView } from '../replication/status.ts';

export type HighAvailabilityView = {
  self: { domain: string; address: string };
  status: HaStatusView;
  // Ages as the server sees them, so that the page needs no clock of its own.
  lastContactSecondsAgo: number | null;
  lastAppliedSecondsAgo: number | null;
  // What pairing checks, for the form's description.
  requirements: { minConnectedSensors: number; clockToleranceSeconds: number };
  settings: { unreachableWindowSeconds: number; strictEvents: boolean };
};

const secondsSince = (iso: string | null | undefined, now: number) =>
  iso ? Math.max(0, Math.round((now - Date.parse(iso)) / 1000)) : null;

// System Settings → High Availability.
export async function loadHighAvailability(now = Date.now()): Promise<HighAvailabilityView> {
  const [appliance, status, unreachableWindowSeconds, strictEvents] = await Promise.all([
    getApplianceOrThrow(),
    loadHaStatus(now),
    getSetting('ha.unreachableWindowSeconds'),
    getSetting('ha.strictEvents'),
  ]);
  const config = loadConfig();
  return {
    self: { domain: appliance.domain, address: `${config.publicAddress}:${config.httpsPort}` },
    status,
    lastContactSecondsAgo: secondsSince(status.peer?.lastContactAt, now),
    lastAppliedSecondsAgo: secondsSince(status.incoming?.lastAppliedAt, now),
    requirements: { minConnectedSensors: MIN_CONNECTED_SENSORS, clockToleranceSeconds: CLOCK_TOLERANCE_MS / 1000 },
    settings: { unreachableWindowSeconds, strictEvents },
  };
}
