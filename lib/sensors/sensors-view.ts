import { getApplianceOrThrow } from '../appliance/data.ts';
import { getSetting } from '../settings/data.ts';
import { countSensors, listSensors } from './data.ts';
import { DEFAULT_OUTBOX_BACKLOG, sensorStatus, STATUS_LABELS, type SensorStatusSettings } from './status.ts';

export const SENSORS_PAGE_SIZE = 100;

export async function loadStatusSettings(): Promise<SensorStatusSettings> {
  const [appliance, disconnectAfterSeconds, clockToleranceSeconds] = await Promise.all([
    getApplianceOrThrow(),
    getSetting('sensors.disconnectAfterSeconds'),
    getSetting('sensors.clockToleranceSeconds'),
  ]);
  return {
    disconnectAfterMs: disconnectAfterSeconds * 1000,
    clockToleranceMs: clockToleranceSeconds * 1000,
    consoleVersion: appliance.softwareVersion,
    outboxBacklog: DEFAULT_OUTBOX_BACKLOG,
  };
}

// The Sensors page: one page of sensors by name with what each row shows, and totals for all of them.
export async function loadSensorsPage(page: number, now = Date.now()) {
  const settings = await loadStatusSettings();
  const [rows, counts] = await Promise.all([
    listSensors((page - 1) * SENSORS_PAGE_SIZE, SENSORS_PAGE_SIZE),
    countSensors(new Date(now - settings.disconnectAfterMs)),
  ]);
  const sensors = rows.map((s) => {
    const counters = (s.counters ?? null) as { outbox?: number } | null;
    const status = sensorStatus(
      { lastHeardAt: s.lastHeardAt, clockOffsetMs: s.clockOffsetMs, version: s.version, counters },
      now,
      settings,
    );
    return {
      id: s.id,
      name: s.name,
      ip: s.ip,
      version: s.version,
      zone: s.zone,
      connectivity: status.connectivity,
      status: status.status,
      statusLabel: STATUS_LABELS[status.status],
      statusReason: status.reason,
      lastHeardAt: s.lastHeardAt?.toISOString() ?? null,
      devices: s._count.devices,
      alerts: s.alertCount,
    };
  });
  return {
    sensors,
    page,
    pages: Math.max(1, Math.ceil(counts.total / SENSORS_PAGE_SIZE)),
    total: counts.total,
    connected: counts.heard,
    disconnectAfterSeconds: settings.disconnectAfterMs / 1000,
    now,
  };
}
export type SensorsPage = Awaited<ReturnType<typeof loadSensorsPage>>;
export type SensorView = SensorsPage['sensors'][number];
