import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

// node:crypto does not expose a certificate's signature algorithm, and forge's certificate parser only
// accepts RSA keys, so the OID is read from the DER directly: Certificate ::= SEQUENCE { tbsCertificate,
// signatureAlgorithm AlgorithmIdentifier, signatureValue }.
const NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

export const SHA256_WITH_RSA = 'sha256WithRSAEncryption';

// The algorithm's usual name, or its OID when it has none here; null when the DER is not laid out as a
// certificate (node:crypto parsed it, so that does not happen in practice).
export function signatureAlgorithm(cert: X509Certificate): string | null {
  try {
    const root = forge.asn1.fromDer(forge.util.createBuffer(cert.raw.toString('binary')));
    const algorithm = (root.value as forge.asn1.Asn1[])[1];
    const oidNode = (algorithm?.value as forge.asn1.Asn1[] | undefined)?.[0];
    if (!oidNode || oidNode.type !== forge.asn1.Type.OID) return null;
    const oid = forge.asn1.derToOid(oidNode.value as string);
    return NAMES[oid] ?? oid;
  } catch {
    return null;
  }
}
