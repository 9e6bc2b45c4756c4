import { db } from '../db/client.ts';
import { recordAudit } from '../audit/mutations.ts';
import type { AuditAction } from '../audit/schema.ts';

export type PersistedHaState = { term: number; mode: 'ACTIVE' | 'STANDBY' | 'FROZEN'; role: 'PRIMARY' | 'SECONDARY' };

// Records this console's term, state and configured role, in one transaction with the trusted host's
// role (the other one of the pair). The term never goes down: replication may already have adopted a
// higher one (lib/replication/mutations.ts, checkTerm), and that one stays. Becoming ACTIVE is refused
// (`refused`, the state stored as after a step-down) when the stored term is already past the one
// promoted to, or equal to it without this console active in it: that term is the peer's, and two
// consoles active in one term is what the term exists to prevent. Returns what is stored.
export async function persistHaState(next: PersistedHaState): Promise<PersistedHaState & { refused: boolean }> {
  return db().$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ term: bigint; state: PersistedHaState['mode'] }[]>`
      SELECT term, state FROM "appliance" WHERE id = 1 FOR UPDATE`;
    const storedTerm = Number(current!.term);
    const refused = next.mode === 'ACTIVE' && (storedTerm > next.term || (storedTerm === next.term && current!.state !== 'ACTIVE'));
    const mode = refused ? stepDownMode(next.role) : next.mode;
    const rows = await tx.$queryRaw<{ term: bigint; state: PersistedHaState['mode']; role: PersistedHaState['role'] }[]>`
      UPDATE "appliance" SET term = GREATEST(term, ${BigInt(next.term)}), state = ${mode}::"HaState",
        configured_role = ${next.role}::"ConfiguredRole", updated_at = now()
      WHERE id = 1 RETURNING term, state, configured_role AS role`;
    const peerRole = next.role === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY';
    await tx.$executeRaw`UPDATE "trusted_host" SET role = ${peerRole}::"PeerRole" WHERE role <> ${peerRole}::"PeerRole"`;
    const stored = rows[0]!;
    return { term: Number(stored.term), mode: stored.state, role: stored.role, refused };
  });
}

const stepDownMode = (role: PersistedHaState['role']): PersistedHaState['mode'] => (role === 'PRIMARY' ? 'FROZEN' : 'STANDBY');

export type RoleChangeAudit = { action: AuditAction; outcome: 'success' | 'failure'; target?: string; details: Record<string, unknown> };

// Every role change is an audit event: the High Availability page's timeline reads them, and they
// replicate to the peer like any other.
export async function recordRoleChange(change: RoleChangeAudit): Promise<void> {
  await recordAudit({ actor: 'system', action: change.action, outcome: change.outcome, target: change.target, details: change.details });
}

// `cyberx-management-ha-promote` runs in its own process: it leaves the request here for the running
// console's failover worker, which takes it (clearing it) within a second.
export async function requestSwitchover(): Promise<void> {
  await db().appliance.update({ where: { id: 1 }, data: { switchoverRequestedAt: new Date() } });
}

export async function takeSwitchoverRequest(): Promise<Date | null> {
  const rows = await db().$queryRaw<{ at: Date }[]>`
    UPDATE "appliance" a SET switchover_requested_at = NULL FROM (SELECT switchover_requested_at AS at FROM "appliance" WHERE id = 1 FOR UPDATE) o
    WHERE a.id = 1 AND o.at IS NOT NULL RETURNING o.at`;
  return rows[0]?.at ?? null;
}
