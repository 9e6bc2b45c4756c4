import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { buildChain } from './chain.ts';
import { canonicalDomain, domainNameProblem } from './domain-name.ts';
import { identifyFile, KIND_ADVICE, pemCertificates, type FileKind } from './file-kind.ts';
import { subjectFields } from './inspect.ts';
import { describeKey } from './key-description.ts';
import { SHA256_WITH_RSA, signatureAlgorithm } from './signature-algorithm.ts';

// The certificate requirements of System Settings → SSL/TLS Certificates: SHA-256 with RSA, an RSA key of
// at least 2048 bits, valid now, a CN that is a DNS name and not a wildcard, C/O/OU present, a chain that
// verifies when one is given. Every file an admin can pick gets its own refusal.

export type CertificateUpload = { certificate: Buffer; privateKey: Buffer; chain?: Buffer; passphrase?: string };
export type ValidCertificate = {
  cert: X509Certificate;
  // The issuers from the leaf's up, in the order the server presents them.
  chain: X509Certificate[];
  keyPem: string;
  // The CN, which becomes the appliance domain.
  domain: string;
  warnings: string[];
};
type Refusal = { ok: false; code: string; message: string };
export type ValidationResult = { ok: true; value: ValidCertificate } | Refusal;

const MIN_RSA_BITS = 2048;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';
const REQUIRED_SUBJECT: [string, string][] = [
  ['C', 'Country (C)'],
  ['O', 'Organization (O)'],
  ['OU', 'Organizational Unit (OU)'],
];

function fail(code: string, message: string): Refusal {
  return { ok: false, code, message };
}

const isRefusal = (v: object): v is Refusal => 'ok' in v && v.ok === false;
const day = (d: Date) => d.toISOString().slice(0, 10);
const codeOf = (prefix: string, kind: FileKind) => `${prefix}_${kind.toUpperCase().replaceAll('-', '_')}`;

// A file holding what another field wants, or something no field wants, named for what it is.
function wrongKind(field: string, prefix: string, kind: FileKind): Refusal {
  if (kind === 'unknown' || kind === 'certificate' || kind === 'private-key' || kind === 'encrypted-private-key')
    throw new Error(`wrongKind(${kind}) is for the other kinds`);
  return fail(codeOf(prefix, kind), `The ${field} holds ${KIND_ADVICE[kind]}`);
}

// All certificates of a certificate or chain file, PEM (one or more) or DER (one).
function certificatesOf(data: Buffer): X509Certificate[] {
  const pem = pemCertificates(data.toString('latin1'));
  return pem.length > 0 ? (pem as X509Certificate[]) : [new X509Certificate(data)];
}

// The first certificate is the leaf; any that follow (a "full chain" file) join the chain.
function readCertificateFile(data: Buffer): X509Certificate[] | Refusal {
  const kind = identifyFile(data);
  if (kind === 'certificate') return certificatesOf(data);
  if (kind === 'private-key' || kind === 'encrypted-private-key')
    return fail(
      'CERT_IS_KEY',
      'The certificate file holds a private key, not a certificate. Choose the certificate (.crt) here and the key under “Private key”.',
    );
  if (kind === 'unknown') return fail('CERT_FORMAT', 'The certificate file is not an X.509 certificate in PEM or DER form.');
  return wrongKind('certificate file', 'CERT', kind);
}

function readChainFile(data: Buffer): X509Certificate[] | Refusal {
  const kind = identifyFile(data);
  if (kind === 'certificate') return certificatesOf(data);
  if (kind === 'private-key' || kind === 'encrypted-private-key')
    return fail('CHAIN_IS_KEY', 'The chain file holds a private key, not certificates. Choose the key under “Private key”.');
  if (kind === 'unknown') return fail('CHAIN_FORMAT', 'The chain file holds no readable certificate (PEM, one or more).');
  return wrongKind('chain file', 'CHAIN', kind);
}

function readKeyFile(data: Buffer, passphrase: string | undefined): KeyObject | Refusal {
  const kind = identifyFile(data);
  if (kind === 'certificate' && !/PRIVATE KEY-----/.test(data.toString('latin1')))
    return fail(
      'KEY_IS_CERT',
      'The key file holds a certificate, not a private key. Choose the certificate under “Certificate” and its private key (.key) here.',
    );
  if (kind === 'unknown') return fail('KEY_FORMAT', 'The key file is not a private key in PEM (-----BEGIN PRIVATE KEY-----) or DER form.');
  if (kind !== 'certificate' && kind !== 'private-key' && kind !== 'encrypted-private-key') return wrongKind('key file', 'KEY', kind);

  const text = data.toString('latin1');
  const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  const encrypted = kind === 'encrypted-private-key' || /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text);
  if (encrypted && !passphrase) return fail('PASSPHRASE_REQUIRED', 'The private key is encrypted: enter its passphrase.');
  const attempts = pem
    ? [{ key: text, format: 'pem' as const }]
    : (['pkcs8', 'pkcs1', 'sec1'] as const).map((type) => ({ key: data, format: 'der' as const, type }));
  for (const attempt of attempts) {
    try {
      return createPrivateKey({ ...attempt, passphrase: encrypted ? passphrase : undefined });
    } catch (error) {
      if (encrypted && (error as { code?: string }).code === 'ERR_OSSL_BAD_DECRYPT')
        return fail('PASSPHRASE_WRONG', 'The passphrase does not decrypt the private key. Check it and try again.');
    }
  }
  return encrypted
    ? fail('PASSPHRASE_WRONG', 'The passphrase does not decrypt the private key. Check it and try again.')
    : fail('KEY_FORMAT', 'The key file could not be read as a private key (damaged, or a format this console does not read).');
}

function publicKeyOf(cert: X509Certificate): KeyObject | null {
  try {
    return cert.publicKey;
  } catch {
    return null;
  }
}

function checkLeaf(cert: X509Certificate, now: Date): { domain: string; warnings: string[] } | Refusal {
  const key = publicKeyOf(cert);
  if (!key)
    return fail(
      'KEY_TYPE',
      `The certificate's public key is of a type this console cannot read; it needs an RSA key of at least ${MIN_RSA_BITS} bits, signed with SHA-256 with RSA.`,
    );
  if (key.asymmetricKeyType !== 'rsa')
    return fail(
      'KEY_TYPE',
      `The certificate uses ${describeKey(key)}; this console needs an RSA key of at least ${MIN_RSA_BITS} bits, signed with SHA-256 with RSA. Ask your CA for an RSA certificate.`,
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return fail('KEY_SIZE', `The certificate's RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required.`);
  const algorithm = signatureAlgorithm(cert) ?? 'an unknown algorithm';
  if (algorithm !== SHA256_WITH_RSA)
    return fail('SIGNATURE_ALGORITHM', `The certificate is signed with ${algorithm}; it must be SHA-256 with RSA (${SHA256_WITH_RSA}).`);

  if (cert.ca)
    return fail(
      'CERT_IS_CA',
      'The certificate is a CA certificate (basicConstraints CA:TRUE), not a server certificate. Upload the certificate your CA issued for this console; put CA certificates in the chain file.',
    );
  const warnings: string[] = [];
  const usages = cert.keyUsage;
  if (usages && !usages.includes(ANY_USAGE)) {
    if (!usages.includes(SERVER_AUTH))
      return fail(
        'NOT_SERVER_AUTH',
        'The certificate is not for TLS servers: its extended key usage lacks serverAuth. Ask your CA for a TLS server certificate.',
      );
    if (!usages.includes(CLIENT_AUTH))
      warnings.push(
        'The certificate’s extended key usage lacks clientAuth: a paired console presents this certificate as a TLS client too, so high-availability pairing will refuse it.',
      );
  }

  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) return fail('NOT_YET_VALID', `The certificate is not valid until ${day(notBefore)}.`);
  if (now > notAfter) return fail('EXPIRED', `The certificate expired on ${day(notAfter)}.`);

  const subject = subjectFields(cert);
  if (!subject.CN) return fail('CN_MISSING', 'The certificate has no Common Name (CN) in its subject.');
  if (subject.CN.includes('*'))
    return fail('CN_WILDCARD', `Wildcard certificates are not accepted ("${subject.CN}"): the CN must name this appliance.`);
  const dnsProblem = domainNameProblem(subject.CN);
  if (dnsProblem) return fail('CN_NOT_DNS_NAME', dnsProblem);
  const missing = REQUIRED_SUBJECT.filter(([field]) => !subject[field]).map(([, label]) => label);
  if (missing.length > 0) return fail('SUBJECT_INCOMPLETE', `The certificate's subject lacks ${missing.join(', ')}.`);

  const domain = canonicalDomain(subject.CN);
  const dnsNames = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  if (dnsNames.length > 0 && !dnsNames.includes(domain))
    warnings.push(
      `The certificate’s subjectAltName does not list ${domain}: browsers opening https://${domain} will warn (they match the subjectAltName, not the CN).`,
    );
  return { domain, warnings };
}

export function validateCertificateUpload(upload: CertificateUpload, now: Date): ValidationResult {
  const certs = readCertificateFile(upload.certificate);
  if (isRefusal(certs)) return certs;
  const [cert, ...bundled] = certs as [X509Certificate, ...X509Certificate[]];
  const leaf = checkLeaf(cert, now);
  if (isRefusal(leaf)) return leaf;

  const key = readKeyFile(upload.privateKey, upload.passphrase);
  if (isRefusal(key)) return key;
  if (!cert.checkPrivateKey(key)) return fail('KEY_MISMATCH', 'The private key does not belong to this certificate.');

  let supplied = bundled;
  if (upload.chain && upload.chain.length > 0) {
    const chainFile = readChainFile(upload.chain);
    if (isRefusal(chainFile)) return chainFile;
    supplied = [...bundled, ...chainFile];
  }
  const chain = buildChain(cert, supplied, now);
  if (!chain.ok) return chain;

  return {
    ok: true,
    value: {
      cert,
      chain: chain.path,
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      domain: leaf.domain,
      warnings: [...leaf.warnings, ...chain.warnings],
    },
  };
}
