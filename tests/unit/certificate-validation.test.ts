import { describe, expect, it } from 'vitest';
import { validateCertificateUpload, type CertificateUpload } from '../../lib/certificates/validate.ts';
import { certificateBanner } from '../../lib/certificates/status.ts';
import { encryptKey, makeCertificate, toDer } from '../support/certs.ts';

const now = new Date();
const upload = (certPem: string | Buffer, keyPem: string, extra: Partial<CertificateUpload> = {}): CertificateUpload => ({
  certificate: Buffer.isBuffer(certPem) ? certPem : Buffer.from(certPem),
  privateKey: Buffer.from(keyPem),
  ...extra,
});

const good = makeCertificate();
const root = makeCertificate({ subject: { CN: 'Example Root CA', O: 'Example Utility', OU: 'PKI', C: 'DE' }, ca: true });
const intermediate = makeCertificate({
  subject: { CN: 'Example Issuing CA', O: 'Example Utility', OU: 'PKI', C: 'DE' },
  ca: true,
  issuer: root,
});
const leaf = makeCertificate({ issuer: intermediate });

describe('certificate requirements', () => {
  it('accepts a self-signed certificate in PEM and in DER', () => {
    expect(validateCertificateUpload(upload(good.certPem, good.keyPem), now).ok).toBe(true);
    expect(validateCertificateUpload(upload(toDer(good.certPem), good.keyPem), now).ok).toBe(true);
  });

  it('accepts a CA-issued certificate with its chain, and an encrypted key with the right passphrase', () => {
    const chain = Buffer.from(intermediate.certPem + root.certPem);
    const result = validateCertificateUpload(
      upload(leaf.certPem, encryptKey(leaf.keyPem, 'open sesame'), { chain, passphrase: 'open sesame' }),
      now,
    );
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.value.chain.map((c) => c.subject)).toEqual(
        [intermediate.cert, root.cert].map((c) => c.subject.attributes.map((a) => `${a.shortName}=${a.value}`).join('\n')),
      );
  });

  const cases: [string, () => CertificateUpload, string, RegExp][] = [
    ['not a certificate', () => upload('hello', good.keyPem), 'CERT_FORMAT', /not an X\.509 certificate in PEM or DER/],
    [
      'SHA-1 signature',
      () => {
        const c = makeCertificate({ digest: 'sha1' });
        return upload(c.certPem, c.keyPem);
      },
      'SIGNATURE_ALGORITHM',
      /signed with sha1WithRSAEncryption; it must be SHA-256 with RSA/,
    ],
    [
      '1024-bit key',
      () => {
        const c = makeCertificate({ bits: 1024 });
        return upload(c.certPem, c.keyPem);
      },
      'KEY_SIZE',
      /1024 bits; at least 2048/,
    ],
    [
      'expired',
      () => {
        const c = makeCertificate({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
        return upload(c.certPem, c.keyPem);
      },
      'EXPIRED',
      /expired on 2021-01-01/,
    ],
    [
      'not yet valid',
      () => {
        const c = makeCertificate({ notBefore: new Date(Date.now() + 5 * 86_400_000) });
        return upload(c.certPem, c.keyPem);
      },
      'NOT_YET_VALID',
      /not valid until/,
    ],
    [
      'wildcard CN',
      () => {
        const c = makeCertificate({ subject: { CN: '*.plant.example', O: 'X', OU: 'Y', C: 'DE' } });
        return upload(c.certPem, c.keyPem);
      },
      'CN_WILDCARD',
      /Wildcard certificates are not accepted \("\*\.plant\.example"\)/,
    ],
    [
      'no CN',
      () => {
        const c = makeCertificate({ subject: { O: 'X', OU: 'Y', C: 'DE' } });
        return upload(c.certPem, c.keyPem);
      },
      'CN_MISSING',
      /no Common Name/,
    ],
    [
      'no OU and no C',
      () => {
        const c = makeCertificate({ subject: { CN: 'a.example', O: 'X' } });
        return upload(c.certPem, c.keyPem);
      },
      'SUBJECT_INCOMPLETE',
      /lacks Country \(C\), Organizational Unit \(OU\)/,
    ],
    [
      'key of another certificate',
      () => upload(good.certPem, makeCertificate().keyPem),
      'KEY_MISMATCH',
      /does not belong to this certificate/,
    ],
    ['key file is not a key', () => upload(good.certPem, good.certPem), 'KEY_FORMAT', /not a PEM private key/],
    [
      'encrypted key without passphrase',
      () => upload(good.certPem, encryptKey(good.keyPem, 'secret')),
      'PASSPHRASE_REQUIRED',
      /encrypted: enter its passphrase/,
    ],
    [
      'wrong passphrase',
      () => upload(good.certPem, encryptKey(good.keyPem, 'secret'), { passphrase: 'guess' }),
      'PASSPHRASE_WRONG',
      /passphrase does not decrypt/,
    ],
    [
      'CA-issued without chain',
      () => upload(leaf.certPem, leaf.keyPem),
      'CHAIN_MISSING',
      /issued by "CN=Example Issuing CA.*upload the chain/,
    ],
    [
      'chain missing the root',
      () => upload(leaf.certPem, leaf.keyPem, { chain: Buffer.from(intermediate.certPem) }),
      'CHAIN_INCOMPLETE',
      /no certificate for "CN=Example Root CA/,
    ],
    [
      'chain file is garbage',
      () => upload(leaf.certPem, leaf.keyPem, { chain: Buffer.from('nope') }),
      'CHAIN_FORMAT',
      /no readable certificate/,
    ],
    [
      'chain with an impostor issuer of the same name',
      () => {
        const impostor = makeCertificate({
          subject: { CN: 'Example Issuing CA', O: 'Example Utility', OU: 'PKI', C: 'DE' },
          ca: true,
          issuer: root,
        });
        return upload(leaf.certPem, leaf.keyPem, { chain: Buffer.from(impostor.certPem + root.certPem) });
      },
      'CHAIN_SIGNATURE',
      /does not verify: .* was not signed by the key of "CN=Example Issuing CA/,
    ],
  ];

  it.each(cases)('refuses %s with its own message', (_name, make, code, message) => {
    const result = validateCertificateUpload(make(), now);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.message).toMatch(message);
    }
  });
});

describe('certificate expiry banner', () => {
  const at = (days: number) => new Date(now.getTime() + days * 86_400_000);
  it('is silent beyond 30 days, warns within 30, errors once expired', () => {
    expect(certificateBanner(at(31), now)).toBeNull();
    expect(certificateBanner(at(30), now)).toMatchObject({ tone: 'warning', message: expect.stringMatching(/expires in 30 days/) });
    expect(certificateBanner(at(1), now)).toMatchObject({ tone: 'warning', message: expect.stringMatching(/expires in 1 day /) });
    expect(certificateBanner(at(-1), now)).toMatchObject({ tone: 'error' });
  });
});
