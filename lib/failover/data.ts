import { db } from '../db/client.ts';
import { ROLE_CHANGE_ACTIONS, type RoleChangeRow } from './timeline.ts';

const ROW = { id: true, at: true, action: true, origin: true, details: true } as const;

// The latest role changes of both consoles: this console's own (origin null) and the peer's, which
// replication copies here with the peer as their origin.
export async function recentRoleChanges(limit: number): Promise<RoleChangeRow[]> {
  return db().auditEvent.findMany({
    where: { action: { in: [...ROLE_CHANGE_ACTIONS] } },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: limit,
    select: ROW,
  });
}

// This console's own latest role change, or null when it never had one.
export async function latestOwnRoleChange(): Promise<RoleChangeRow | null> {
  return db().auditEvent.findFirst({
    where: { action: { in: [...ROLE_CHANGE_ACTIONS] }, origin: null },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    select: ROW,
  });
}

// The other console of the pair: its identity (to name its replicated events) and where a browser reaches it.
export async function getFailoverPeer() {
  return db().trustedHost.findFirst({
    orderBy: { createdAt: 'asc' },
    select: { applianceId: true, domain: true, address: true, port: true, role: true, status: true },
  });
}
