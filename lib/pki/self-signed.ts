import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { certificateFingerprint } from './fingerprint.ts';

export type ApplianceCertificateOptions = {
  domain: string;
  ips: string[];
  hostnames: string[];
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  validDays?: number;
};

export type ApplianceCertificate = { keyPem: string; certPem: string; fingerprint: string };

const generateKeyPairAsync = promisify(generateKeyPair);

// Peers whose clocks run a little behind ours must not see a certificate that is not yet valid.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
// The longest lifetime that Apple and Chrome still accept for a TLS server certificate.
const DEFAULT_VALID_DAYS = 825;
const DAY_MS = 24 * 60 * 60 * 1000;

// RFC 5280: a positive serial of at most 20 octets. Clearing the top bit keeps it positive; setting
// the next one keeps the first octet non-zero so that the DER INTEGER stays minimally encoded.
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x7f) | 0x40, 0);
  return bytes.toString('hex');
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

// The domain belongs in the SAN too: clients match the SAN and ignore the CN once a SAN is present.
// A domain given as an address is an IP entry, since a DNS entry never matches an address.
function subjectAltNames(opts: ApplianceCertificateOptions): AltName[] {
  const names = [opts.domain, ...opts.hostnames, ...opts.ips].map((name) => name.trim()).filter(Boolean);
  return [...new Set(names)].map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
}

// The key comes from node:crypto because forge's pure-JS RSA keygen takes tens of seconds at 3072 bits.
export async function createApplianceCertificate(opts: ApplianceCertificateOptions): Promise<ApplianceCertificate> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 3072,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = randomSerialHex();

  const now = Date.now();
  cert.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now + (opts.validDays ?? DEFAULT_VALID_DAYS) * DAY_MS);

  const subject: forge.pki.CertificateField[] = [
    { shortName: 'CN', value: opts.domain },
    { shortName: 'O', value: opts.organization ?? 'OT Management Console' },
    { shortName: 'OU', value: opts.organizationalUnit ?? 'Appliance' },
    { shortName: 'C', value: opts.country ?? 'US' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);

  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // clientAuth as well: two paired consoles present this same certificate to each other for mutual TLS.
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: subjectAltNames(opts) },
    { name: 'subjectKeyIdentifier' },
  ]);

  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());

  const certPem = forge.pki.certificateToPem(cert);
  return { keyPem: privateKey, certPem, fingerprint: certificateFingerprint(certPem) };
}
