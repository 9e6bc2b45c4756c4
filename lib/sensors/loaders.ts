import { getApplianceOrThrow } from '../appliance/data.ts';
import { getSetting } from '../settings/data.ts';
import { countAlerts, countSensors, getSensorByName, listAlerts, listSensorNames, listSensors } from './data.ts';
import { DEFAULT_OUTBOX_BACKLOG, sensorStatus, type SensorStatusSettings, STATUS_LABELS } from './status.ts';
import { formatZonedTime } from '../time/format.ts';
import type { AlertFilter } from './schema.ts';

// Page loaders of the Sensors and Alerts pages.

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

export const ALERTS_PAGE_SIZE = 50;

// The Alerts page: newest first, filtered by sensor name and severity. A sensor name that matches no
// sensor yields an empty list (and says so) rather than every alert.
export async function loadAlertsPage(filter: AlertFilter, page: number) {
  const sensor = filter.sensor ? await getSensorByName(filter.sensor) : null;
  const unknownSensor = Boolean(filter.sensor) && !sensor;
  const where = { severity: filter.severity, sensorId: sensor?.id };
  const timeZone = await getSetting('time.timezone');
  const show = (at: Date) => {
    const t = formatZonedTime(at, timeZone);
    return `${t.date} ${t.time}`;
  };
  const [rows, total, sensors] = unknownSensor
    ? [[], 0, await listSensorNames()]
    : await Promise.all([listAlerts(where, (page - 1) * ALERTS_PAGE_SIZE, ALERTS_PAGE_SIZE), countAlerts(where), listSensorNames()]);
  return {
    alerts: rows.map((a) => {
      const payload = a.payload as { protocol?: string; source?: string; destination?: string; details?: string };
      return {
        sensorId: a.sensorId,
        sensorName: a.sensor.name,
        seq: Number(a.seq),
        severity: a.severity ?? 'low',
        title: a.title ?? '',
        protocol: payload.protocol ?? '',
        source: payload.source ?? '',
        destination: payload.destination ?? '',
        details: payload.details ?? null,
        occurredAt: show(a.occurredAt),
        receivedAt: show(a.receivedAt),
        acknowledgedAt: a.acknowledgedAt ? show(a.acknowledgedAt) : null,
        acknowledgedBy: a.acknowledgedBy,
      };
    }),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / ALERTS_PAGE_SIZE)),
    filter,
    unknownSensor,
    sensorNames: sensors.map((s) => s.name),
    timeZone,
  };
}
export type AlertsPage = Awaited<ReturnType<typeof loadAlertsPage>>;
export type AlertView = AlertsPage['alerts'][number];
