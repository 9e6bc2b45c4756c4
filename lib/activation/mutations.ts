import { recordAudit } from '../audit/mutations.ts';
import { getApplianceOrThrow } from '../appliance/data.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { uploadRefusal } from './eligibility.ts';
import { verifyActivation } from './format.ts';
import { ACTIVATION_MAX_BYTES, oversizedMessage } from './schema.ts';
import { loadVendorPublicKey } from './vendor-key.ts';

export type ActivationSummary = {
  subscriptions: string[];
  committedDevices: number;
  issuedOn: string;
  expiresOn: string;
  customer?: string;
};
export type InstallResult = { ok: true; activation: ActivationSummary } | { ok: false; code: string; message: string };

// What an upload hands over: a File in the console, any Blob-like in tests. Its size is known before
// a byte is read, which is how an oversized file is refused without parsing it.
export type ActivationUpload = { name?: string; size: number; arrayBuffer(): Promise<ArrayBuffer> };

// Installs a vendor-signed activation file: the Activation row, its journal record (the file text,
// so the secondary verifies and stores the same file) and the audit event, in one transaction. A
// refused file changes nothing; only its refusal is audited.
export async function installActivation(upload: ActivationUpload, actor: Actor, now = new Date()): Promise<InstallResult> {
  const refuse = async (failure: { code: string; message: string }, extra: Record<string, unknown> = {}) => {
    await recordAudit({
      actor: actor.username,
      ip: actor.ip,
      action: 'activation.upload',
      outcome: 'failure',
      target: upload.name,
      details: { code: failure.code, message: failure.message, bytes: upload.size, ...extra },
    });
    return { ok: false as const, code: failure.code, message: failure.message };
  };

  if (upload.size > ACTIVATION_MAX_BYTES) return refuse({ code: 'OVERSIZED', message: oversizedMessage(upload.size) });
  const refusal = uploadRefusal(await getApplianceOrThrow());
  if (refusal) return refuse(refusal);
  const vendorKey = await loadVendorPublicKey();
  if (!vendorKey.ok) return refuse(vendorKey);

  const verified = verifyActivation(new Uint8Array(await upload.arrayBuffer()), vendorKey.key, now);
  if (!verified.ok) return refuse(verified);
  const a = verified.activation;

  const late = await db().$transaction(async (tx) => {
    // Checked again under the transaction: a failover since the check above must not let a console
    // that is no longer active take the change.
    const appliance = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { configuredRole: true, state: true } });
    const refusedNow = uploadRefusal(appliance);
    if (refusedNow) return refusedNow;
    const row = {
      subscriptionIds: a.subscriptions,
      committedDevices: a.committedDevices,
      issuedAt: a.issuedAt,
      expiresAt: a.expiresAt,
      fileSha256: a.fileSha256,
      fileText: a.fileText,
      uploadedBy: actor.username,
      uploadedAt: now,
    };
    await tx.activation.upsert({ where: { id: 1 }, create: { id: 1, ...row }, update: row });
    await appendJournal(tx, {
      entity: 'activation',
      key: 'current',
      op: 'upsert',
      payload: { ...row, issuedAt: a.issuedAt.toISOString(), expiresAt: a.expiresAt.toISOString(), uploadedAt: now.toISOString() },
    });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'activation.upload',
        outcome: 'success',
        target: a.subscriptions.join(', '),
        details: {
          file: upload.name,
          committedDevices: a.committedDevices,
          issuedOn: a.issuedOn,
          expiresOn: a.expiresOn,
          keyId: a.keyId,
          fileSha256: a.fileSha256,
        },
      },
      tx,
    );
    return null;
  });
  if (late) return refuse(late);
  return {
    ok: true,
    activation: {
      subscriptions: a.subscriptions,
      committedDevices: a.committedDevices,
      issuedOn: a.issuedOn,
      expiresOn: a.expiresOn,
      ...(a.customer ? { customer: a.customer } : {}),
    },
  };
}
