import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/mutations.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { generateConnectionToken } from './token.ts';

export type FirstBoot = { domain: string; model: string; softwareVersion: string; adminUsername: string; adminPassword: string };

// First boot: the appliance's identity and its initial Admin in one transaction, so a crash half-way
// leaves nothing behind and the next start simply tries again.
export async function initialiseAppliance(input: FirstBoot & { applianceId?: string }): Promise<string> {
  const applianceId = input.applianceId ?? randomUUID();
  const passwordHash = await hashPassword(input.adminPassword);
  await db().$transaction(async (tx) => {
    await tx.appliance.create({
      data: {
        id: 1,
        applianceId,
        domain: input.domain,
        model: input.model,
        softwareVersion: input.softwareVersion,
        connectionToken: generateConnectionToken(),
      },
    });
    const admin = await tx.user.create({
      data: { username: input.adminUsername, role: 'ADMIN', passwordHash },
      omit: { passwordHash: false },
    });
    await appendJournal(tx, {
      entity: 'user',
      key: admin.username,
      op: 'upsert',
      payload: {
        id: admin.id,
        username: admin.username,
        role: admin.role,
        passwordHash,
        passwordChangedAt: admin.passwordChangedAt.toISOString(),
      },
    });
    await recordAudit(
      {
        actor: 'system',
        action: 'appliance.first-boot',
        outcome: 'success',
        target: input.domain,
        details: { model: input.model, version: input.softwareVersion },
      },
      tx,
    );
    await recordAudit(
      { actor: 'system', action: 'user.create', outcome: 'success', target: admin.username, details: { role: 'ADMIN' } },
      tx,
    );
  });
  return applianceId;
}

export async function recordSoftwareVersion(version: string): Promise<void> {
  await db().appliance.update({ where: { id: 1 }, data: { softwareVersion: version } });
}

// The old token stops working the moment this commits: every check reads the current row.
export async function regenerateConnectionToken(actor: Actor): Promise<string> {
  const token = generateConnectionToken();
  await db().$transaction(async (tx) => {
    await tx.appliance.update({ where: { id: 1 }, data: { connectionToken: token, tokenRotatedAt: new Date() } });
    await recordAudit({ actor: actor.username, ip: actor.ip, action: 'appliance.token-regenerate', outcome: 'success' }, tx);
  });
  return token;
}
