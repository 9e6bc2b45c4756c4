import type { Actor } from '../audit/actor.ts';
import { recordAudit } from '../audit/mutations.ts';
import { db } from '../db/client.ts';

// Trusted hosts are per-appliance pairing state and are NOT journaled: each console records the OTHER
// one (its peer's address, certificate and role), so replicating a row would make the peer trust itself.

export type NewTrustedHost = {
  applianceId: string;
  domain: string;
  address: string;
  port: number;
  peerPort: number;
  certificatePem: string;
  fingerprint: string;
  role: 'PRIMARY' | 'SECONDARY';
};

export type AddTrustedHostResult = { ok: true } | { ok: false; code: 'ALREADY_PAIRED'; message: string };

// One trusted host at most: a console pairs with one other. The row lock on the table serializes two
// handshakes arriving at once, so only one of them is recorded.
export async function addTrustedHost(host: NewTrustedHost, actor: Actor): Promise<AddTrustedHostResult> {
  return db().$transaction(async (tx) => {
    await tx.$executeRaw`LOCK TABLE "trusted_host" IN EXCLUSIVE MODE`;
    const existing = await tx.trustedHost.findFirst();
    if (existing)
      return {
        ok: false as const,
        code: 'ALREADY_PAIRED' as const,
        message: `This console already trusts ${existing.domain} (${existing.address}:${existing.port}). Remove it first: cyberx-management-trusted-hosts-remove -d ${existing.domain}.`,
      };
    await tx.trustedHost.create({ data: { ...host, status: 'PENDING' } });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'trusted-host.add',
        outcome: 'success',
        target: host.domain,
        details: { address: `${host.address}:${host.port}`, fingerprint: host.fingerprint, role: host.role },
      },
      tx,
    );
    return { ok: true as const };
  });
}

export type RemoveTrustedHostResult = { ok: true } | { ok: false; code: 'UNKNOWN_TRUSTED_HOST'; message: string; known: string[] };

export async function removeTrustedHost(domain: string, actor: Actor): Promise<RemoveTrustedHostResult> {
  return db().$transaction(async (tx) => {
    const removed = await tx.trustedHost.deleteMany({ where: { domain } });
    if (removed.count === 0) {
      const known = (await tx.trustedHost.findMany({ select: { domain: true }, orderBy: { domain: 'asc' } })).map((h) => h.domain);
      return {
        ok: false as const,
        code: 'UNKNOWN_TRUSTED_HOST' as const,
        message: `No trusted host "${domain}". ${known.length === 0 ? 'This console trusts no host.' : `Known: ${known.join(', ')}.`}`,
        known,
      };
    }
    await recordAudit({ actor: actor.username, ip: actor.ip, action: 'trusted-host.remove', outcome: 'success', target: domain }, tx);
    return { ok: true as const };
  });
}
