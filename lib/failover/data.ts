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

// What the failover worker reads each reconcile: this console's persisted HA state, whether the pair is
// applied, and how many sensors are registered (the electorate: both consoles count the same replicated
// sensor table).
export async function readPairState() {
  const [appliance, host, registered] = await Promise.all([
    db().appliance.findUniqueOrThrow({
      where: { id: 1 },
      select: { applianceId: true, configuredRole: true, state: true, term: true, switchoverRequestedAt: true },
    }),
    db().trustedHost.findFirst({
      select: {
        applianceId: true,
        domain: true,
        address: true,
        port: true,
        peerPort: true,
        role: true,
        status: true,
        fingerprint: true,
        certificatePem: true,
        snapshotState: true,
      },
    }),
    db().sensor.count(),
  ]);
  return { appliance, host, registered };
}
export type PairState = Awaited<ReturnType<typeof readPairState>>;

// How a switchover asked for at `since` ended, as the worker recorded it (an `ha.switchover` audit
// event of this console), or null while it is still under way.
export async function switchoverOutcomeSince(since: Date) {
  const event = await db().auditEvent.findFirst({
    where: { action: 'ha.switchover', origin: null, at: { gte: since } },
    orderBy: { id: 'desc' },
    select: { outcome: true, details: true },
  });
  if (!event) return null;
  const details = (event.details ?? {}) as { message?: string; term?: number; reason?: string };
  return { ok: event.outcome === 'success', message: details.message ?? details.reason ?? '', term: details.term ?? null };
}

export async function readLocalHaState() {
  const [appliance, host] = await Promise.all([
    db().appliance.findUniqueOrThrow({ where: { id: 1 }, select: { configuredRole: true, state: true, term: true } }),
    db().trustedHost.findFirst({ select: { domain: true, status: true } }),
  ]);
  return { ...appliance, term: Number(appliance.term), peer: host };
}

// The request is still waiting for the running console's worker to take it.
export async function switchoverPending(): Promise<boolean> {
  const row = await db().appliance.findUniqueOrThrow({ where: { id: 1 }, select: { switchoverRequestedAt: true } });
  return row.switchoverRequestedAt !== null;
}
