import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';

export type Made = { certPem: string; keyPem: string; cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };

type Options = {
  subject?: Record<string, string>;
  bits?: number;
  digest?: 'sha256' | 'sha1';
  notBefore?: Date;
  notAfter?: Date;
  issuer?: Made;
  ca?: boolean;
  sanIps?: string[];
};

const DEFAULT_SUBJECT = { CN: 'console-a.plant.example', O: 'Example Utility', OU: 'OT Security', C: 'DE' };

// Certificates for tests, with native RSA keys (forge's own keygen is far too slow) signed by forge,
// so that every requirement can be broken one at a time.
export function makeCertificate(options: Options = {}): Made {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `0${Math.floor(Math.random() * 1e15).toString(16)}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const subject = Object.entries(options.subject ?? DEFAULT_SUBJECT).map(([shortName, value]) => ({ shortName, value }));
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.ca ?? false },
    ...(options.sanIps ? [{ name: 'subjectAltName', altNames: options.sanIps.map((ip) => ({ type: 7, ip })) }] : []),
  ]);
  const md = options.digest === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create();
  cert.sign(options.issuer?.key ?? key, md);
  return { certPem: forge.pki.certificateToPem(cert), keyPem, cert, key };
}

export function encryptKey(keyPem: string, passphrase: string): string {
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

export function toDer(certPem: string): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes(), 'binary');
}
