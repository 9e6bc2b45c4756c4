import { recordAudit } from '../audit/mutations.ts';
import { writeTlsFiles } from '../appliance/tls-files.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { summarize } from './inspect.ts';
import type { ValidCertificate } from './validate.ts';
import type { X509Certificate } from 'node:crypto';

function metadata(cert: X509Certificate) {
  const s = summarize(cert);
  return {
    subject: s.subject,
    issuer: s.issuer,
    serial: s.serial,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    fingerprint: s.fingerprint,
  };
}

// Records which certificate the HTTPS server presents. Only metadata is journaled: the private key
// never leaves this appliance.
export async function recordCertificate(
  cert: X509Certificate,
  source: 'generated' | 'uploaded',
  actor: Actor,
  writeFiles?: () => Promise<void>,
) {
  const meta = metadata(cert);
  await db().$transaction(async (tx) => {
    await tx.certificate.upsert({
      where: { id: 1 },
      create: { id: 1, source, installedBy: actor.username, ...meta },
      update: { source, installedBy: actor.username, installedAt: new Date(), ...meta },
    });
    await appendJournal(tx, {
      entity: 'certificate',
      key: 'https',
      op: 'upsert',
      payload: { source, ...meta, notBefore: meta.notBefore.toISOString(), notAfter: meta.notAfter.toISOString() },
    });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'certificate.install',
        outcome: 'success',
        target: meta.subject,
        details: { source, fingerprint: meta.fingerprint, notAfter: meta.notAfter.toISOString() },
      },
      tx,
    );
    // Last, inside the transaction: if the files cannot be written, the record is not changed either.
    await writeFiles?.();
  });
}

export async function installCertificate(dataDir: string, valid: ValidCertificate, actor: Actor): Promise<void> {
  // The server presents the full chain so that clients trusting only the root can verify it.
  const fullChain = [valid.cert, ...valid.chain].map((c) => c.toString()).join('');
  await recordCertificate(valid.cert, 'uploaded', actor, () => writeTlsFiles(dataDir, valid.keyPem, fullChain));
}

export async function recordCertificateRefusal(actor: Actor, code: string, message: string): Promise<void> {
  await recordAudit({ actor: actor.username, ip: actor.ip, action: 'certificate.install', outcome: 'failure', details: { code, message } });
}
