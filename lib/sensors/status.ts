// What the Sensors page says about a sensor. Pure: the caller passes the clock and the settings.

export type SensorConnectivity = 'CONNECTED' | 'DISCONNECTED';
export type SensorStatusCode = 'DISCONNECTED' | 'TIME_DIFF_OFFSET' | 'OUT_OF_SYNC' | 'SYNCED';

export type SensorStatusInput = {
  lastHeardAt: Date | null;
  // Sensor clock minus console clock at the last heartbeat.
  clockOffsetMs: number | null;
  version: string;
  // The last heartbeat's counters; `outbox` is how many events the sensor holds that this console has not stored.
  counters: { outbox?: number } | null;
};

export type SensorStatusSettings = {
  disconnectAfterMs: number;
  clockToleranceMs: number;
  consoleVersion: string;
  outboxBacklog: number;
};

export type SensorStatus = { connectivity: SensorConnectivity; status: SensorStatusCode; reason: string };

// More events waiting than this in a sensor's outbox means the console is falling behind it.
export const DEFAULT_OUTBOX_BACKLOG = 1000;

export const STATUS_LABELS: Record<SensorStatusCode, string> = {
  DISCONNECTED: 'Disconnected',
  TIME_DIFF_OFFSET: 'Time difference',
  OUT_OF_SYNC: 'Out of sync',
  SYNCED: 'Synced',
};

function major(version: string): number | null {
  const match = /^(\d+)(\.|$|[-+])/.exec(version.trim());
  return match ? Number(match[1]) : null;
}

function seconds(ms: number): string {
  const s = Math.round(Math.abs(ms) / 100) / 10;
  return `${s} s`;
}

// First match wins: Disconnected (not heard for longer than the window, or never), then a clock further
// off than the tolerance, then Out of sync (another major version than the console's, or a backlog of
// unsent events), else Synced.
export function sensorStatus(sensor: SensorStatusInput, now: number, settings: SensorStatusSettings): SensorStatus {
  if (!sensor.lastHeardAt) return { connectivity: 'DISCONNECTED', status: 'DISCONNECTED', reason: 'Never heard from.' };
  const silentMs = now - sensor.lastHeardAt.getTime();
  if (silentMs > settings.disconnectAfterMs) {
    return {
      connectivity: 'DISCONNECTED',
      status: 'DISCONNECTED',
      reason: `No heartbeat for ${seconds(silentMs)} (limit ${seconds(settings.disconnectAfterMs)}).`,
    };
  }
  const connected = { connectivity: 'CONNECTED' as const };
  const offset = sensor.clockOffsetMs ?? 0;
  if (Math.abs(offset) > settings.clockToleranceMs) {
    return {
      ...connected,
      status: 'TIME_DIFF_OFFSET',
      reason: `The sensor's clock is ${seconds(offset)} ${offset > 0 ? 'ahead of' : 'behind'} the console's (tolerance ${seconds(settings.clockToleranceMs)}).`,
    };
  }
  const sensorMajor = major(sensor.version);
  const consoleMajor = major(settings.consoleVersion);
  if (sensorMajor === null || sensorMajor !== consoleMajor) {
    return {
      ...connected,
      status: 'OUT_OF_SYNC',
      reason: `Sensor version ${sensor.version} does not match the console's major version (${settings.consoleVersion}).`,
    };
  }
  const outbox = sensor.counters?.outbox ?? 0;
  if (outbox > settings.outboxBacklog) {
    return {
      ...connected,
      status: 'OUT_OF_SYNC',
      reason: `${outbox} events wait in the sensor's outbox (more than ${settings.outboxBacklog}).`,
    };
  }
  return { ...connected, status: 'SYNCED', reason: 'Heartbeats on time, clock within tolerance, events up to date.' };
}
