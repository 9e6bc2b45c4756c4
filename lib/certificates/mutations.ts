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

export type CertificateRecordOptions = {
  // The appliance domain this certificate names (its CN); it replaces the current one when they differ.
  domain?: string;
  // Written last, inside the transaction: if the files cannot be written, nothing is recorded.
  writeFiles?: () => Promise<void>;
};

// Records which certificate the HTTPS server presents. Only metadata is journaled: the private key
// never leaves this appliance. The journal row carries the appliance domain too, because the domain and
// the certificate's CN are one name and a peer learns both together.
export async function recordCertificate(
  cert: X509Certificate,
  source: 'generated' | 'uploaded',
  actor: Actor,
  options: CertificateRecordOptions = {},
): Promise<{ domain: string; previousDomain: string }> {
  const meta = metadata(cert);
  return db().$transaction(async (tx) => {
    const appliance = await tx.appliance.findUniqueOrThrow({ where: { id: 1 }, select: { domain: true } });
    const domain = options.domain ?? appliance.domain;
    if (domain !== appliance.domain) {
      await tx.appliance.update({ where: { id: 1 }, data: { domain } });
      await recordAudit(
        {
          actor: actor.username,
          ip: actor.ip,
          action: 'appliance.domain-change',
          outcome: 'success',
          target: domain,
          details: { from: appliance.domain, to: domain, reason: 'certificate CN', fingerprint: meta.fingerprint },
        },
        tx,
      );
    }
    await tx.certificate.upsert({
      where: { id: 1 },
      create: { id: 1, source, installedBy: actor.username, ...meta },
      update: { source, installedBy: actor.username, installedAt: new Date(), ...meta },
    });
    await appendJournal(tx, {
      entity: 'certificate',
      key: 'https',
      op: 'upsert',
      payload: { source, domain, ...meta, notBefore: meta.notBefore.toISOString(), notAfter: meta.notAfter.toISOString() },
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
    await options.writeFiles?.();
    return { domain, previousDomain: appliance.domain };
  });
}

export async function installCertificate(dataDir: string, valid: ValidCertificate, actor: Actor) {
  // The server presents the leaf and then each issuer in order, so that clients trusting only the root
  // can verify it.
  const fullChain = [valid.cert, ...valid.chain].map((c) => c.toString()).join('');
  return recordCertificate(valid.cert, 'uploaded', actor, {
    domain: valid.domain,
    writeFiles: () => writeTlsFiles(dataDir, valid.keyPem, fullChain),
  });
}

export async function recordCertificateRefusal(actor: Actor, code: string, message: string): Promise<void> {
  await recordAudit({ actor: actor.username, ip: actor.ip, action: 'certificate.install', outcome: 'failure', details: { code, message } });
}
