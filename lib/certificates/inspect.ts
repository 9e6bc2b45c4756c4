import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export type CertificateSummary = {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
};

// Reads one certificate from PEM or DER bytes; null when the bytes are neither.
export function parseCertificate(data: Buffer | string): X509Certificate | null {
  try {
    return new X509Certificate(data);
  } catch {
    return null;
  }
}

// All certificates of a PEM bundle (a chain file), in file order.
export function parseBundle(text: string): X509Certificate[] | null {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return null;
  const certs = blocks.map((b) => parseCertificate(b));
  return certs.every((c): c is X509Certificate => c !== null) ? certs : null;
}

// Name of the signature algorithm, e.g. 'sha256WithRSAEncryption' (node:crypto does not expose it).
export function signatureAlgorithm(cert: X509Certificate): string {
  const forgeCert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(cert.raw.toString('binary'))), false);
  const oid = forgeCert.siginfo.algorithmOid;
  return (forge.pki.oids[oid] as string | undefined) ?? oid;
}

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
