import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  encryptKey,
  makeCertificate,
  makeCsr,
  makeOpenSshKey,
  makePkcs12,
  makePkcs7,
  makeSshPublicKey,
  pemToDer,
  toDer,
  type Made,
} from './certs.ts';

// Every kind of file an admin can pick in the certificate form, each with the refusal it must get.
// The unit test runs them through the validator, the integration test through the real server action.

export type PickedFiles = { certificate: Buffer; privateKey: Buffer; chain?: Buffer; passphrase?: string };
export type RefusalCase = {
  name: string;
  files: () => PickedFiles;
  code: string;
  message: RegExp;
  // Refused by the action's input schema before the validator sees the files.
  schemaOnly?: boolean;
};

const b = (data: string | Buffer) => (Buffer.isBuffer(data) ? data : Buffer.from(data));
const pair = (m: Made, extra: Partial<PickedFiles> = {}): PickedFiles => ({ certificate: b(m.certPem), privateKey: b(m.keyPem), ...extra });
const UTILITY = { O: 'Example Utility', OU: 'PKI', C: 'DE' };

// Built on first use: RSA keys take a while to generate.
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export const pki: Record<'good' | 'root' | 'intermediate' | 'leaf' | 'ecRoot', () => Made> = {
  good: lazy(() => makeCertificate()),
  root: lazy(() => makeCertificate({ subject: { CN: 'Example Root CA', ...UTILITY }, ca: true })),
  intermediate: lazy(() => makeCertificate({ subject: { CN: 'Example Issuing CA', ...UTILITY }, ca: true, issuer: pki.root() })),
  leaf: lazy(() =>
    makeCertificate({ issuer: pki.intermediate(), subject: { CN: 'console-b.plant.example', O: 'Example Utility', OU: 'OT', C: 'DE' } }),
  ),
  ecRoot: lazy(() => makeCertificate({ key: { type: 'ec', curve: 'P-256' }, subject: { CN: 'EC Root CA', ...UTILITY }, ca: true })),
};

export const refusalCases: RefusalCase[] = [
  {
    name: 'an ECDSA P-256 certificate',
    files: () => pair(makeCertificate({ key: { type: 'ec', curve: 'P-256' } })),
    code: 'KEY_TYPE',
    message:
      /^The certificate uses an ECDSA P-256 key; this console needs an RSA key of at least 2048 bits, signed with SHA-256 with RSA\./,
  },
  {
    name: 'an ECDSA P-384 certificate',
    files: () => pair(makeCertificate({ key: { type: 'ec', curve: 'P-384' }, digest: 'sha384' })),
    code: 'KEY_TYPE',
    message: /uses an ECDSA P-384 key; this console needs an RSA key/,
  },
  {
    name: 'an Ed25519 certificate',
    files: () => pair(makeCertificate({ key: { type: 'ed25519' } })),
    code: 'KEY_TYPE',
    message: /uses an Ed25519 key; this console needs an RSA key/,
  },
  {
    name: 'a DSA certificate',
    files: () => pair(makeCertificate({ key: { type: 'dsa' } })),
    code: 'KEY_TYPE',
    message: /uses a 2048-bit DSA key; this console needs an RSA key/,
  },
  {
    name: 'an RSA-PSS certificate',
    files: () => pair(makeCertificate({ key: { type: 'rsa-pss' } })),
    code: 'KEY_TYPE',
    message: /uses an RSA-PSS key \(2048 bits, restricted to PSS signatures\); this console needs an RSA key/,
  },
  {
    name: 'an RSA certificate signed by an ECDSA CA',
    files: () => {
      const leaf = makeCertificate({ issuer: pki.ecRoot() });
      return pair(leaf, { chain: b(pki.ecRoot().certPem) });
    },
    code: 'SIGNATURE_ALGORITHM',
    message: /^The certificate is signed with ecdsa-with-SHA256; it must be SHA-256 with RSA \(sha256WithRSAEncryption\)\.$/,
  },
  {
    name: 'a SHA-1 signature',
    files: () => pair(makeCertificate({ digest: 'sha1' })),
    code: 'SIGNATURE_ALGORITHM',
    message: /signed with sha1WithRSAEncryption; it must be SHA-256 with RSA/,
  },
  {
    name: 'a 1024-bit RSA key',
    files: () => pair(makeCertificate({ bits: 1024 })),
    code: 'KEY_SIZE',
    message: /RSA key has 1024 bits; at least 2048 are required/,
  },
  {
    name: 'a private key chosen as the certificate',
    files: () => ({ certificate: b(pki.good().keyPem), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_IS_KEY',
    message: /^The certificate file holds a private key, not a certificate\. Choose the certificate \(\.crt\) here/,
  },
  {
    name: 'a CSR chosen as the certificate',
    files: () => ({ certificate: b(makeCsr(pki.good())), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_CSR',
    message: /^The certificate file holds a certificate signing request \(CSR\), not a certificate\. Send it to your certificate authority/,
  },
  {
    name: 'a PKCS#12 (.pfx) file chosen as the certificate',
    files: () => ({ certificate: makePkcs12(pki.good(), 'export-pass'), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_PKCS12',
    message:
      /^The certificate file holds a PKCS#12 bundle \(\.p12\/\.pfx\)\. Export its certificate and key as PEM .*openssl pkcs12 -in bundle\.p12/,
  },
  {
    name: 'a PKCS#7 (.p7b) file chosen as the certificate',
    files: () => ({ certificate: b(makePkcs7([pki.good()])), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_PKCS7',
    message: /holds a PKCS#7 bundle \(\.p7b\)\. Convert it to PEM first: openssl pkcs7 -print_certs/,
  },
  {
    name: 'a public key chosen as the certificate',
    files: () => ({
      certificate: b(createPublicKey(pki.good().keyPem).export({ type: 'spki', format: 'pem' })),
      privateKey: b(pki.good().keyPem),
    }),
    code: 'CERT_PUBLIC_KEY',
    message: /^The certificate file holds a bare public key/,
  },
  {
    name: 'an empty certificate file',
    files: () => ({ certificate: Buffer.alloc(0), privateKey: b(pki.good().keyPem) }),
    code: 'INVALID_INPUT',
    message: /^The certificate file \(\.crt\) is empty\.$/,
    schemaOnly: true,
  },
  {
    name: 'an empty key file',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: Buffer.alloc(0) }),
    code: 'INVALID_INPUT',
    message: /^The private key file \(\.key\) is empty\.$/,
    schemaOnly: true,
  },
  {
    name: 'binary junk',
    files: () => ({
      certificate: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131 + 7) % 256)),
      privateKey: b(pki.good().keyPem),
    }),
    code: 'CERT_FORMAT',
    message: /^The certificate file is not an X\.509 certificate in PEM or DER form\.$/,
  },
  {
    name: 'a truncated PEM certificate',
    files: () => ({ certificate: b(pki.good().certPem.slice(0, 400)), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_DAMAGED_PEM',
    message: /holds a PEM block that cannot be read: the file is damaged or truncated/,
  },
  {
    name: 'a huge file (70 KB)',
    files: () => ({ certificate: Buffer.alloc(70 * 1024, 'A'), privateKey: b(pki.good().keyPem) }),
    code: 'INVALID_INPUT',
    message: /^The certificate file \(\.crt\) is 70 KB, larger than 64 KB; it cannot be a certificate, key or chain file\./,
    schemaOnly: true,
  },
  {
    name: 'a huge file (1.5 MB)',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: Buffer.alloc(1536 * 1024, 'A') }),
    code: 'INVALID_INPUT',
    message: /^The private key file \(\.key\) is 1\.5 MB, larger than 64 KB/,
    schemaOnly: true,
  },
  {
    name: 'a key that does not match the certificate',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(makeCertificate().keyPem) }),
    code: 'KEY_MISMATCH',
    message: /^The private key does not belong to this certificate\.$/,
  },
  {
    name: 'an ECDSA key with an RSA certificate',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(makeCertificate({ key: { type: 'ec', curve: 'P-256' } }).keyPem) }),
    code: 'KEY_MISMATCH',
    message: /does not belong to this certificate/,
  },
  {
    name: 'an expired certificate',
    files: () => pair(makeCertificate({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') })),
    code: 'EXPIRED',
    message: /^The certificate expired on 2021-01-01\.$/,
  },
  {
    name: 'a certificate not yet valid',
    files: () => pair(makeCertificate({ notBefore: new Date(Date.now() + 5 * 86_400_000) })),
    code: 'NOT_YET_VALID',
    message: /^The certificate is not valid until \d{4}-\d\d-\d\d\.$/,
  },
  {
    name: 'a CA certificate as the leaf',
    files: () => pair(pki.root()),
    code: 'CERT_IS_CA',
    message: /^The certificate is a CA certificate \(basicConstraints CA:TRUE\), not a server certificate\./,
  },
  {
    name: 'a client-only certificate (extended key usage without serverAuth)',
    files: () => pair(makeCertificate({ extKeyUsage: ['clientAuth'] })),
    code: 'NOT_SERVER_AUTH',
    message: /not for TLS servers: its extended key usage lacks serverAuth/,
  },
  {
    name: 'an encrypted key with the wrong passphrase',
    files: () => ({
      certificate: b(pki.good().certPem),
      privateKey: b(encryptKey(pki.good().keyPem, 'right one')),
      passphrase: 'wrong one',
    }),
    code: 'PASSPHRASE_WRONG',
    message: /^The passphrase does not decrypt the private key\. Check it and try again\.$/,
  },
  {
    name: 'a legacy encrypted RSA key with the wrong passphrase',
    files: () => ({
      certificate: b(pki.good().certPem),
      privateKey: b(
        createPrivateKey(pki.good().keyPem).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'right' }),
      ),
      passphrase: 'wrong',
    }),
    code: 'PASSPHRASE_WRONG',
    message: /passphrase does not decrypt/,
  },
  {
    name: 'an encrypted key without a passphrase',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(encryptKey(pki.good().keyPem, 'secret')) }),
    code: 'PASSPHRASE_REQUIRED',
    message: /^The private key is encrypted: enter its passphrase\.$/,
  },
  {
    name: 'a certificate chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(pki.good().certPem) }),
    code: 'KEY_IS_CERT',
    message: /^The key file holds a certificate, not a private key\./,
  },
  {
    name: 'a CSR chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(makeCsr(pki.good())) }),
    code: 'KEY_CSR',
    message: /^The key file holds a certificate signing request \(CSR\)/,
  },
  {
    name: 'a public key chosen as the key',
    files: () => ({
      certificate: b(pki.good().certPem),
      privateKey: b(createPublicKey(pki.good().keyPem).export({ type: 'spki', format: 'pem' })),
    }),
    code: 'KEY_PUBLIC_KEY',
    message: /^The key file holds a bare public key/,
  },
  {
    name: 'an OpenSSH key chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(makeOpenSshKey()) }),
    code: 'KEY_OPENSSH_KEY',
    message: /^The key file holds an OpenSSH private key, which is not a TLS key\./,
  },
  {
    name: 'a PKCS#12 file chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: makePkcs12(pki.good(), 'pw') }),
    code: 'KEY_PKCS12',
    message: /^The key file holds a PKCS#12 bundle/,
  },
  {
    name: 'junk chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b('not a key at all') }),
    code: 'KEY_FORMAT',
    message: /^The key file is not a private key in PEM/,
  },
  {
    name: 'a wildcard CN',
    files: () => pair(makeCertificate({ subject: { CN: '*.plant.example', O: 'X', OU: 'Y', C: 'DE' } })),
    code: 'CN_WILDCARD',
    message: /Wildcard certificates are not accepted \("\*\.plant\.example"\)/,
  },
  {
    name: 'no CN',
    files: () => pair(makeCertificate({ subject: { O: 'X', OU: 'Y', C: 'DE' } })),
    code: 'CN_MISSING',
    message: /no Common Name/,
  },
  {
    name: 'a CN that is not a DNS name',
    files: () => pair(makeCertificate({ subject: { CN: 'Plant Console 3', O: 'X', OU: 'Y', C: 'DE' } })),
    code: 'CN_NOT_DNS_NAME',
    message: /^The Common Name "Plant Console 3" is not a DNS name .*it becomes the appliance domain/,
  },
  {
    name: 'a CN that is an IP address',
    files: () => pair(makeCertificate({ subject: { CN: '10.1.2.3', O: 'X', OU: 'Y', C: 'DE' } })),
    code: 'CN_NOT_DNS_NAME',
    message: /"10\.1\.2\.3" is an IP address; it must be the appliance's DNS name/,
  },
  {
    name: 'a subject without OU and C',
    files: () => pair(makeCertificate({ subject: { CN: 'a.example', O: 'X' } })),
    code: 'SUBJECT_INCOMPLETE',
    message: /lacks Country \(C\), Organizational Unit \(OU\)/,
  },
  {
    name: 'a chain whose issuer has the right name but another key',
    files: () => {
      const impostor = makeCertificate({ subject: { CN: 'Example Issuing CA', ...UTILITY }, ca: true, issuer: pki.root() });
      return pair(pki.leaf(), { chain: b(impostor.certPem + pki.root().certPem) });
    },
    code: 'CHAIN_SIGNATURE',
    message: /^The chain does not verify: .* was not signed by the key of "CN=Example Issuing CA/,
  },
  {
    name: 'a chain holding a certificate that did not issue this one',
    files: () => pair(pki.leaf(), { chain: b(pki.intermediate().certPem + pki.root().certPem + pki.ecRoot().certPem) }),
    code: 'CHAIN_UNRELATED',
    message: /^The chain holds a certificate that did not issue this one: "CN=EC Root CA/,
  },
  {
    name: 'a chain for a self-signed certificate',
    files: () => pair(pki.good(), { chain: b(pki.root().certPem) }),
    code: 'CHAIN_UNRELATED',
    message: /did not issue this one: "CN=Example Root CA/,
  },
  {
    name: 'a chain whose issuer is not a CA',
    files: () => {
      const notCa = makeCertificate({ subject: { CN: 'Not A CA', ...UTILITY } });
      const leaf = makeCertificate({ issuer: notCa });
      return pair(leaf, { chain: b(notCa.certPem) });
    },
    code: 'CHAIN_NOT_CA',
    message: /"CN=Not A CA.*" is not a CA certificate/,
  },
  {
    name: 'a chain with an expired intermediate',
    files: () => {
      const old = makeCertificate({
        subject: { CN: 'Old Issuing CA', ...UTILITY },
        ca: true,
        issuer: pki.root(),
        notBefore: new Date('2019-01-01'),
        notAfter: new Date('2022-01-01'),
      });
      return pair(makeCertificate({ issuer: old }), { chain: b(old.certPem + pki.root().certPem) });
    },
    code: 'CHAIN_EXPIRED',
    message: /^The chain certificate "CN=Old Issuing CA.*" expired on 2022-01-01/,
  },
  {
    name: 'a private key chosen as the chain',
    files: () => pair(pki.leaf(), { chain: b(pki.leaf().keyPem) }),
    code: 'CHAIN_IS_KEY',
    message: /^The chain file holds a private key, not certificates\./,
  },
  {
    name: 'a PKCS#7 (.p7b) file chosen as the chain',
    files: () => pair(pki.leaf(), { chain: b(makePkcs7([pki.intermediate(), pki.root()])) }),
    code: 'CHAIN_PKCS7',
    message: /^The chain file holds a PKCS#7 bundle \(\.p7b\)\. Convert it to PEM first/,
  },
  {
    name: 'junk chosen as the chain',
    files: () => pair(pki.leaf(), { chain: b('nope') }),
    code: 'CHAIN_FORMAT',
    message: /no readable certificate/,
  },
  {
    name: 'a DER certificate with a DER key of another certificate',
    files: () => ({
      certificate: toDer(pki.good().certPem),
      privateKey: createPrivateKey(makeCertificate().keyPem).export({ type: 'pkcs8', format: 'der' }),
    }),
    code: 'KEY_MISMATCH',
    message: /does not belong/,
  },
  {
    name: 'a DER private key chosen as the certificate',
    files: () => ({ certificate: pemToDer(pki.good().keyPem), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_IS_KEY',
    message: /^The certificate file holds a private key, not a certificate\./,
  },
  {
    name: 'a DER CSR chosen as the certificate',
    files: () => ({ certificate: pemToDer(makeCsr(pki.good())), privateKey: b(pki.good().keyPem) }),
    code: 'CERT_CSR',
    message: /holds a certificate signing request \(CSR\)/,
  },
  {
    name: 'a DER PKCS#7 (.p7b) file chosen as the chain',
    files: () => pair(pki.leaf(), { chain: pemToDer(makePkcs7([pki.intermediate(), pki.root()])) }),
    code: 'CHAIN_PKCS7',
    message: /^The chain file holds a PKCS#7 bundle/,
  },
  {
    name: 'an encrypted DER key without a passphrase',
    files: () => ({
      certificate: b(pki.good().certPem),
      privateKey: createPrivateKey(pki.good().keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'secret' }),
    }),
    code: 'PASSPHRASE_REQUIRED',
    message: /encrypted: enter its passphrase/,
  },
  {
    name: 'an OpenSSH public key chosen as the key',
    files: () => ({ certificate: b(pki.good().certPem), privateKey: b(makeSshPublicKey()) }),
    code: 'KEY_PUBLIC_KEY',
    message: /^The key file holds a bare public key/,
  },
];
