import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

// What an uploaded file holds, so that a file picked for the wrong field (a key as the certificate, a
// CSR, a Windows .pfx) is named for what it is rather than refused as unreadable.
export type FileKind =
  | 'certificate'
  | 'private-key'
  | 'encrypted-private-key'
  | 'openssh-key'
  | 'public-key'
  | 'csr'
  | 'pkcs12'
  | 'pkcs7'
  | 'damaged-pem'
  | 'unknown';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function kindOfLabel(label: string): FileKind | null {
  if (/^(X509 |TRUSTED )?CERTIFICATE$/.test(label)) return 'certificate';
  if (label === 'ENCRYPTED PRIVATE KEY') return 'encrypted-private-key';
  if (label === 'OPENSSH PRIVATE KEY') return 'openssh-key';
  if (/^([A-Z]+ )?PRIVATE KEY$/.test(label)) return 'private-key';
  if (/^([A-Z]+ )?PUBLIC KEY$/.test(label)) return 'public-key';
  if (/^(NEW )?CERTIFICATE REQUEST$/.test(label)) return 'csr';
  if (label === 'PKCS7' || label === 'CMS') return 'pkcs7';
  return null;
}

// The PEM certificate blocks of a text file, each parsed; null for a block that does not parse.
export function pemCertificates(text: string): (X509Certificate | null)[] {
  return [...text.matchAll(PEM_BLOCK)]
    .filter((m) => kindOfLabel(m[1]!) === 'certificate')
    .map((m) => {
      try {
        return new X509Certificate(m[0]);
      } catch {
        return null;
      }
    });
}

function derChildren(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return Array.isArray(node?.value) ? node.value : [];
}

function derOid(node: forge.asn1.Asn1 | undefined): string | null {
  return node?.type === forge.asn1.Type.OID && typeof node.value === 'string' ? forge.asn1.derToOid(node.value) : null;
}

// PKCS#12: SEQUENCE { version 3, authSafe ContentInfo, ... }; PKCS#7: ContentInfo { signedData, ... };
// CSR: SEQUENCE { CertificationRequestInfo { version 0, subject, spki, [0] attributes }, algorithm, signature }.
function derStructure(data: Buffer): FileKind | null {
  let root: forge.asn1.Asn1;
  try {
    root = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')), false);
  } catch {
    return null;
  }
  const top = derChildren(root);
  if (derOid(top[0]) === '1.2.840.113549.1.7.2') return 'pkcs7';
  const first = top[0];
  if (first?.type === forge.asn1.Type.INTEGER && forge.util.bytesToHex(first.value as string) === '03' && derOid(derChildren(top[1])[0]))
    return 'pkcs12';
  const info = derChildren(first);
  if (info.length === 4 && info[0]?.type === forge.asn1.Type.INTEGER && info[3]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC)
    return 'csr';
  return null;
}

function derKey(data: Buffer): FileKind | null {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: data, format: 'der', type });
      return 'private-key';
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') return 'encrypted-private-key';
    }
  }
  try {
    createPublicKey({ key: data, format: 'der', type: 'spki' });
    return 'public-key';
  } catch {
    return null;
  }
}

export function identifyFile(data: Buffer): FileKind {
  const text = data.toString('latin1');
  const labels = [...text.matchAll(PEM_BLOCK)].map((m) => kindOfLabel(m[1]!)).filter((k): k is FileKind => k !== null);
  if (labels.length > 0) {
    // A file holding a certificate and its key (a "combined PEM") counts as what the field asks for;
    // the caller decides which of the blocks it needs.
    if (labels.includes('certificate')) return pemCertificates(text).every((c) => c !== null) ? 'certificate' : 'damaged-pem';
    return labels.find((k) => k === 'private-key' || k === 'encrypted-private-key') ?? labels[0]!;
  }
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text)) return 'damaged-pem';
  if (/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) AAAA/.test(text)) return 'public-key';
  try {
    new X509Certificate(data);
    return 'certificate';
  } catch {
    // not a DER certificate either
  }
  return derStructure(data) ?? derKey(data) ?? 'unknown';
}

// "The certificate file holds …": what the file is and what to do instead.
export const KIND_ADVICE: Record<Exclude<FileKind, 'certificate' | 'private-key' | 'encrypted-private-key' | 'unknown'>, string> = {
  'openssh-key':
    'an OpenSSH private key, which is not a TLS key. Use the private key that belongs to the certificate, in PEM (-----BEGIN PRIVATE KEY-----).',
  'public-key': 'a bare public key, not a certificate or a private key.',
  csr: 'a certificate signing request (CSR), not a certificate. Send it to your certificate authority and upload the certificate it issues.',
  pkcs12:
    'a PKCS#12 bundle (.p12/.pfx). Export its certificate and key as PEM and upload each: openssl pkcs12 -in bundle.p12 -clcerts -nokeys -out console.crt, and openssl pkcs12 -in bundle.p12 -nocerts -nodes -out console.key.',
  pkcs7: 'a PKCS#7 bundle (.p7b). Convert it to PEM first: openssl pkcs7 -print_certs -in bundle.p7b -out bundle.pem.',
  'damaged-pem': 'a PEM block that cannot be read: the file is damaged or truncated (check that it was copied whole).',
};
