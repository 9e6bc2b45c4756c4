import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import forge from 'node-forge';

export type KeySpec =
  | { type: 'rsa'; bits?: number }
  | { type: 'rsa-pss' }
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'ed25519' }
  | { type: 'ed448' }
  | { type: 'dsa' };

export type Made = { certPem: string; keyPem: string; privateKey: KeyObject; subject: Record<string, string> };

type Options = {
  subject?: Record<string, string>;
  key?: KeySpec;
  bits?: number;
  digest?: 'sha256' | 'sha1' | 'sha384';
  notBefore?: Date;
  notAfter?: Date;
  issuer?: Made;
  ca?: boolean;
  sanIps?: string[];
  sanDns?: string[];
  extKeyUsage?: ('serverAuth' | 'clientAuth')[];
};

const DEFAULT_SUBJECT = { CN: 'console-a.plant.example', O: 'Example Utility', OU: 'OT Security', C: 'DE' };
const { asn1 } = forge;

function generateKey(spec: KeySpec): KeyObject {
  switch (spec.type) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 }).privateKey;
    case 'rsa-pss': {
      // @types/node declares saltLength as a string; node:crypto wants the number of bytes.
      const pss = { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 };
      return generateKeyPairSync('rsa-pss', pss as unknown as { modulusLength: number }).privateKey;
    }
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: spec.curve }).privateKey;
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
    default:
      return generateKeyPairSync(spec.type as 'ed25519').privateKey;
  }
}

const oid = (id: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const nul = () => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
const tagged = (n: number, inner: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, [inner]);

// The AlgorithmIdentifier and the node:crypto signing call for a signer's key.
function signatureScheme(key: KeyObject, digest: 'sha256' | 'sha1' | 'sha384') {
  const sha256 = seq([oid('2.16.840.1.101.3.4.2.1'), nul()]);
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const id = { sha256: '1.2.840.113549.1.1.11', sha1: '1.2.840.113549.1.1.5', sha384: '1.2.840.113549.1.1.12' }[digest];
      return { algorithm: seq([oid(id), nul()]), sign: (data: Buffer) => sign(digest, data, key) };
    }
    case 'rsa-pss': {
      const params = seq([
        tagged(0, sha256),
        tagged(1, seq([oid('1.2.840.113549.1.1.8'), sha256])),
        tagged(2, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(32).getBytes())),
      ]);
      return {
        algorithm: seq([oid('1.2.840.113549.1.1.10'), params]),
        sign: (data: Buffer) => sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      };
    }
    case 'ec': {
      const id = { sha256: '1.2.840.10045.4.3.2', sha1: '1.2.840.10045.4.1', sha384: '1.2.840.10045.4.3.3' }[digest];
      return { algorithm: seq([oid(id)]), sign: (data: Buffer) => sign(digest, data, key) };
    }
    case 'dsa':
      return { algorithm: seq([oid('2.16.840.1.101.3.4.3.2')]), sign: (data: Buffer) => sign('sha256', data, key) };
    case 'ed25519':
      return { algorithm: seq([oid('1.3.101.112')]), sign: (data: Buffer) => sign(null, data, key) };
    case 'ed448':
      return { algorithm: seq([oid('1.3.101.113')]), sign: (data: Buffer) => sign(null, data, key) };
    default:
      throw new Error(`no signature scheme for ${key.asymmetricKeyType}`);
  }
}

const PLACEHOLDER_KEY = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('65537'));

// Certificates for tests, with any key type node:crypto can make, so that every requirement can be
// broken one at a time. forge lays out the TBSCertificate (names, validity, extensions); the key and the
// signature are node:crypto's, since forge only knows RSA.
export function makeCertificate(options: Options = {}): Made {
  const privateKey = generateKey(options.key ?? { type: 'rsa', bits: options.bits ?? 2048 });
  const subject = options.subject ?? DEFAULT_SUBJECT;
  const signer = options.issuer?.privateKey ?? privateKey;
  const scheme = signatureScheme(signer, options.digest ?? 'sha256');

  const cert = forge.pki.createCertificate();
  cert.publicKey = PLACEHOLDER_KEY;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const attrs = (fields: Record<string, string>) => Object.entries(fields).map(([shortName, value]) => ({ shortName, value }));
  cert.setSubject(attrs(subject));
  cert.setIssuer(attrs(options.issuer?.subject ?? subject));
  const altNames = [
    ...(options.sanDns ?? []).map((value) => ({ type: 2, value })),
    ...(options.sanIps ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.ca ?? false },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    ...(options.extKeyUsage ? [{ name: 'extKeyUsage', ...Object.fromEntries(options.extKeyUsage.map((u) => [u, true])) }] : []),
  ]);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  fields[2] = scheme.algorithm;
  fields[6] = asn1.fromDer(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('binary'));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = scheme.sign(tbsDer);
  const der = asn1
    .toDer(seq([tbs, scheme.algorithm, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature.toString('binary')}`)]))
    .getBytes();
  const certPem = new X509Certificate(Buffer.from(der, 'binary')).toString();
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem, privateKey, subject };
}

export function encryptKey(keyPem: string, passphrase: string): string {
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

export function toDer(certPem: string): Buffer {
  return new X509Certificate(certPem).raw;
}

// A certificate signing request for an RSA key, as an admin might pick instead of the certificate.
export function makeCsr(made: Made): string {
  const key = forge.pki.privateKeyFromPem(made.keyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject(Object.entries(made.subject).map(([shortName, value]) => ({ shortName, value })));
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

// A PKCS#12 (.p12 / .pfx) bundle of an RSA certificate and its key, in DER as Windows exports it.
export function makePkcs12(made: Made, password: string): Buffer {
  const key = forge.pki.privateKeyFromPem(made.keyPem);
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [forge.pki.certificateFromPem(made.certPem)], password, { algorithm: '3des' });
  return Buffer.from(asn1.toDer(p12).getBytes(), 'binary');
}

// An unencrypted OpenSSH ed25519 private key (the `ssh-keygen` default format), which an admin may
// mistake for a TLS key.
export function makeOpenSshKey(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const str = (b: Buffer | string) => {
    const data = Buffer.from(b);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, data]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const pubBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, str('ssh-ed25519'), str(pub), str(Buffer.concat([seed, pub])), str('admin@plant')]);
  for (let pad = 1; priv.length % 8 !== 0; pad++) priv = Buffer.concat([priv, Buffer.from([pad])]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(pubBlob), str(priv)]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64').replace(/.{70}/g, '$&\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

// The DER inside any PEM block (a .der / .cer file as Windows saves it).
export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
}

// An OpenSSH public key line (id_ed25519.pub).
export function makeSshPublicKey(): string {
  const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(pub)]).toString('base64')} admin@plant\n`;
}

// A PKCS#7 (.p7b) bundle of certificates, as Windows exports a chain.
export function makePkcs7(certs: Made[]): string {
  const p7 = forge.pkcs7.createSignedData();
  for (const c of certs) p7.addCertificate(forge.pki.certificateFromPem(c.certPem));
  return forge.pkcs7.messageToPem(p7);
}
