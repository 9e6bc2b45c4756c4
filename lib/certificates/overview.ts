import { getCertificateRecord } from './data.ts';
import { certificateBanner } from './status.ts';

export async function loadCertificateOverview(now = new Date()) {
  const record = await getCertificateRecord();
  if (!record) return null;
  return {
    source: record.source,
    subject: record.subject,
    issuer: record.issuer,
    serial: record.serial,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    fingerprint: record.fingerprint,
    installedBy: record.installedBy,
    installedAt: record.installedAt.toISOString(),
    banner: certificateBanner(record.notAfter, now),
  };
}
