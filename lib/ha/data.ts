import { db } from '../db/client.ts';

// This console's HA state and the other console of the pair (at most one trusted host), read fresh on every
// write and every page: replication and failover change them underneath a running console.
export async function getWriteState() {
  const [appliance, peer] = await Promise.all([
    db().appliance.findUniqueOrThrow({ where: { id: 1 }, select: { configuredRole: true, state: true } }),
    db().trustedHost.findFirst({ orderBy: { createdAt: 'asc' }, select: { role: true, domain: true, address: true, port: true } }),
  ]);
  return { appliance, peer };
}
