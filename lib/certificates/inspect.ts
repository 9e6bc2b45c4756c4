import type { X509Certificate } from 'node:crypto';

export type CertificateSummary = {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
};

// Subject fields by short name (CN, O, OU, C, …), from node's one-per-line rendering.
export function subjectFields(cert: X509Certificate): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

export function summarize(cert: X509Certificate): CertificateSummary {
  return {
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint: cert.fingerprint256,
  };
}
