import { getSetting } from '../settings/data.ts';
import { formatZonedTime } from '../time/format.ts';
import { countAlerts, getSensorByName, listAlerts, listSensorNames } from './data.ts';
import type { AlertFilter } from './schema.ts';

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
