import { X509Certificate } from 'node:crypto';

// SHA-256 over the certificate's DER, as "AB:CD:…": the form operators compare by eye when pairing
// two consoles, and the form Node reports for a TLS peer (getPeerCertificate().fingerprint256).
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}
