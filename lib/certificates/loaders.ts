import { getAppliance } from '../appliance/data.ts';
import { getCertificateRecord } from './data.ts';
import { certificateBanner } from './status.ts';

export async function loadCertificateOverview(now = new Date()) {
  const [record, appliance] = await Promise.all([getCertificateRecord(), getAppliance()]);
  if (!record) return null;
  return {
    domain: appliance?.domain ?? '',
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
