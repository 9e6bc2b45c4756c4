import { db } from '../db/client.ts';
import type { PeerInventory } from '../peer/protocol.ts';

export type TrustedHostRow = Awaited<ReturnType<typeof listTrustedHosts>>[number];

export async function listTrustedHosts() {
  return db().trustedHost.findMany({ orderBy: { createdAt: 'asc' } });
}

// What pairing as a secondary would replace on this console, and the sensors heard since `heardSince`.
export async function countInventory(heardSince: Date): Promise<PeerInventory> {
  const [sensors, connectedSensors, users, settings, vlans, sensorEvents, auditEvents] = await Promise.all([
    db().sensor.count(),
    db().sensor.count({ where: { lastHeardAt: { gte: heardSince } } }),
    db().user.count(),
    db().setting.count(),
    db().vlan.count(),
    db().sensorEvent.count(),
    db().auditEvent.count(),
  ]);
  return { sensors, connectedSensors, users, settings, vlans, sensorEvents, auditEvents };
}
