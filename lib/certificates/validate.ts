import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { parseBundle, parseCertificate, signatureAlgorithm, subjectFields } from './inspect.ts';

// The requirements an uploaded certificate must meet, each failure with its own message.

export type CertificateUpload = { certificate: Buffer; privateKey: Buffer; chain?: Buffer; passphrase?: string };
export type ValidCertificate = { cert: X509Certificate; chain: X509Certificate[]; keyPem: string };
export type ValidationResult = { ok: true; value: ValidCertificate } | { ok: false; code: string; message: string };

const REQUIRED_SUBJECT: [string, string][] = [
  ['C', 'Country (C)'],
  ['O', 'Organization (O)'],
  ['OU', 'Organizational Unit (OU)'],
];

function fail(code: string, message: string): ValidationResult {
  return { ok: false, code, message };
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function readKey(data: Buffer, passphrase: string | undefined): KeyObject | ValidationResult {
  const text = data.toString('utf8');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    return fail('KEY_FORMAT', 'The key file is not a PEM private key (-----BEGIN PRIVATE KEY-----).');
  const encrypted = /ENCRYPTED/.test(text);
  if (encrypted && !passphrase) return fail('PASSPHRASE_REQUIRED', 'The private key is encrypted: enter its passphrase.');
  try {
    return createPrivateKey({ key: text, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch {
    return encrypted
      ? fail('PASSPHRASE_WRONG', 'The passphrase does not decrypt the private key.')
      : fail('KEY_FORMAT', 'The key file could not be read as a private key.');
  }
}

// Each certificate must be signed by the next one, ending at a certificate that signs itself.
function verifyChain(cert: X509Certificate, chain: X509Certificate[]): ValidationResult | null {
  const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey);
  let current = cert;
  const pool = [...chain];
  for (let depth = 0; depth < 10 && !selfSigned(current); depth++) {
    const issuer = pool.find((c) => current.checkIssued(c));
    if (!issuer) {
      return chain.length === 0
        ? fail(
            'CHAIN_MISSING',
            `The certificate was issued by "${current.issuer.split('\n').join(', ')}": upload the chain (intermediate and root certificates) too.`,
          )
        : fail(
            'CHAIN_INCOMPLETE',
            `The chain has no certificate for "${current.issuer.split('\n').join(', ')}", which issued "${current.subject.split('\n').join(', ')}".`,
          );
    }
    if (!current.verify(issuer.publicKey)) {
      return fail(
        'CHAIN_SIGNATURE',
        `The chain does not verify: "${current.subject.split('\n').join(', ')}" was not signed by the key of "${issuer.subject.split('\n').join(', ')}".`,
      );
    }
    pool.splice(pool.indexOf(issuer), 1);
    current = issuer;
  }
  return selfSigned(current) ? null : fail('CHAIN_INCOMPLETE', 'The chain does not end at a root certificate.');
}

export function validateCertificateUpload(upload: CertificateUpload, now: Date): ValidationResult {
  const cert = parseCertificate(upload.certificate);
  if (!cert) return fail('CERT_FORMAT', 'The certificate file is not an X.509 certificate in PEM or DER form.');

  const algorithm = signatureAlgorithm(cert);
  if (algorithm !== 'sha256WithRSAEncryption') {
    return fail(
      'SIGNATURE_ALGORITHM',
      `The certificate is signed with ${algorithm}; it must be SHA-256 with RSA (sha256WithRSAEncryption).`,
    );
  }
  const keyType = cert.publicKey.asymmetricKeyType;
  if (keyType !== 'rsa') return fail('KEY_TYPE', `The certificate holds a ${String(keyType).toUpperCase()} key; an RSA key is required.`);
  const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return fail('KEY_SIZE', `The certificate's RSA key has ${bits} bits; at least 2048 are required.`);

  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) return fail('NOT_YET_VALID', `The certificate is not valid until ${day(notBefore)}.`);
  if (now > notAfter) return fail('EXPIRED', `The certificate expired on ${day(notAfter)}.`);

  const subject = subjectFields(cert);
  if (!subject.CN) return fail('CN_MISSING', 'The certificate has no Common Name (CN) in its subject.');
  if (subject.CN.includes('*'))
    return fail('CN_WILDCARD', `Wildcard certificates are not accepted ("${subject.CN}"): the CN must name this appliance.`);
  const missing = REQUIRED_SUBJECT.filter(([field]) => !subject[field]).map(([, label]) => label);
  if (missing.length > 0) return fail('SUBJECT_INCOMPLETE', `The certificate's subject lacks ${missing.join(', ')}.`);

  const key = readKey(upload.privateKey, upload.passphrase);
  if ('ok' in key) return key;
  if (!cert.checkPrivateKey(key)) return fail('KEY_MISMATCH', 'The private key does not belong to this certificate.');

  let chain: X509Certificate[] = [];
  if (upload.chain && upload.chain.length > 0) {
    const parsed =
      parseBundle(upload.chain.toString('utf8')) ?? (parseCertificate(upload.chain) ? [parseCertificate(upload.chain)!] : null);
    if (!parsed) return fail('CHAIN_FORMAT', 'The chain file holds no readable certificate (PEM, one or more).');
    chain = parsed;
  }
  const chainProblem = verifyChain(cert, chain);
  if (chainProblem) return chainProblem;

  return {
    ok: true,
    value: {
      cert,
      chain: chain.filter((c) => c.fingerprint256 !== cert.fingerprint256),
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
  };
}
