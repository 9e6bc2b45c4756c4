import { db } from '../db/client.ts';
import type { AlertFilter } from './schema.ts';

// What the sensor guard needs: the credential hash to compare and where the sensor's events stand.
export async function getSensorAuth(sensorId: string) {
  return db().sensor.findUnique({
    where: { id: sensorId },
    select: { name: true, credentialHash: true, ackedSeq: true, replicatedSeq: true },
  });
}

export async function getSensorByName(name: string) {
  return db().sensor.findUnique({ where: { name }, omit: { credentialHash: true } });
}

// One page of sensors by name, each with how many devices it reports.
export async function listSensors(skip: number, take: number) {
  return db().sensor.findMany({
    orderBy: { name: 'asc' },
    skip,
    take,
    omit: { credentialHash: true },
    include: { _count: { select: { devices: true } } },
  });
}
export type SensorRow = Awaited<ReturnType<typeof listSensors>>[number];

// How many sensors there are and how many were heard from since `heardSince`.
export async function countSensors(heardSince: Date): Promise<{ total: number; heard: number }> {
  const [total, heard] = await Promise.all([db().sensor.count(), db().sensor.count({ where: { lastHeardAt: { gte: heardSince } } })]);
  return { total, heard };
}

// Sensors for the alert filter: names only.
export async function listSensorNames(take = 1000) {
  return db().sensor.findMany({ orderBy: { name: 'asc' }, take, select: { id: true, name: true } });
}

function alertWhere(filter: AlertFilter & { sensorId?: string }) {
  return {
    kind: 'alert',
    ...(filter.sensorId ? { sensorId: filter.sensorId } : {}),
    ...(filter.severity ? { severity: filter.severity } : {}),
  };
}

// Alerts newest first (as received), with the name of the sensor that raised them.
export async function listAlerts(filter: AlertFilter & { sensorId?: string }, skip: number, take: number) {
  return db().sensorEvent.findMany({
    where: alertWhere(filter),
    orderBy: [{ receivedAt: 'desc' }, { seq: 'desc' }],
    skip,
    take,
    include: { sensor: { select: { name: true } } },
  });
}
export type AlertRow = Awaited<ReturnType<typeof listAlerts>>[number];

export async function countAlerts(filter: AlertFilter & { sensorId?: string }): Promise<number> {
  return db().sensorEvent.count({ where: alertWhere(filter) });
}

// Distinct devices across all sensors: one device seen by two sensors counts once (by its key).
export async function countDistinctDevices(): Promise<number> {
  const [row] = await db().$queryRaw<{ n: number }[]>`SELECT count(DISTINCT "key")::int AS n FROM "device"`;
  return row?.n ?? 0;
}

// The console sensors fail over to, as heartbeat answers name it: the applied peer, if any.
export async function getAppliedPeer() {
  return db().trustedHost.findFirst({
    where: { status: { not: 'PENDING' } },
    select: { address: true, port: true, fingerprint: true, role: true },
  });
}
