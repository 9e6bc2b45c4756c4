import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateCertificateUpload, type CertificateUpload, type ValidationResult } from '../../lib/certificates/validate.ts';
import { certificateBanner } from '../../lib/certificates/status.ts';
import { canonicalDomain, domainNameProblem } from '../../lib/certificates/domain-name.ts';
import { pki, refusalCases } from '../support/certificate-cases.ts';
import { encryptKey, makeCertificate, toDer, type Made } from '../support/certs.ts';

const now = new Date();
const upload = (cert: string | Buffer, key: string | Buffer, extra: Partial<CertificateUpload> = {}): CertificateUpload => ({
  certificate: Buffer.from(cert),
  privateKey: Buffer.from(key),
  ...extra,
});
const subjects = (certs: X509Certificate[]) => certs.map((c) => c.subject.split('\n')[0]);

function accepted(result: ValidationResult) {
  if (!result.ok) throw new Error(`refused: ${result.code}: ${result.message}`);
  return result.value;
}

describe('certificate requirements', () => {
  it.each(refusalCases.filter((c) => !c.schemaOnly).map((c) => [c.name, c] as const))('refuses %s with its own message', (_name, c) => {
    const result = validateCertificateUpload(c.files(), now);
    expect(result).toMatchObject({ ok: false, code: c.code });
    if (!result.ok) expect(result.message).toMatch(c.message);
  });

  it('accepts a self-signed certificate in PEM and in DER, with the key in PEM or DER, and names its CN as the domain', () => {
    const good = pki.good();
    const derKey = createPrivateKey(good.keyPem).export({ type: 'pkcs8', format: 'der' });
    for (const [cert, key] of [
      [good.certPem, good.keyPem],
      [toDer(good.certPem), good.keyPem],
      [good.certPem, derKey],
      [good.certPem, createPrivateKey(good.keyPem).export({ type: 'pkcs1', format: 'der' })],
    ] as const) {
      const value = accepted(validateCertificateUpload(upload(cert, key), now));
      expect(value.domain).toBe('console-a.plant.example');
      expect(value.chain).toEqual([]);
      expect(value.warnings).toEqual([]);
      expect(value.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
  });

  it('accepts files saved on Windows (CRLF, byte-order mark) and one file holding both certificate and key', () => {
    const good = pki.good();
    const windows = `\uFEFF${good.certPem.replaceAll('\n', '\r\n')}`;
    accepted(validateCertificateUpload(upload(windows, good.keyPem.replaceAll('\n', '\r\n')), now));
    const combined = good.certPem + good.keyPem;
    expect(accepted(validateCertificateUpload(upload(combined, combined), now)).cert.fingerprint256).toBe(
      new X509Certificate(good.certPem).fingerprint256,
    );
  });

  it('accepts an encrypted key with the right passphrase: PKCS#8 in PEM and DER, legacy PKCS#1', () => {
    const good = pki.good();
    accepted(validateCertificateUpload(upload(good.certPem, encryptKey(good.keyPem, 'open sesame'), { passphrase: 'open sesame' }), now));
    const legacy = createPrivateKey(good.keyPem).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'p4ss' });
    accepted(validateCertificateUpload(upload(good.certPem, legacy, { passphrase: 'p4ss' }), now));
    const der = createPrivateKey(good.keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'd3r' });
    accepted(validateCertificateUpload(upload(good.certPem, der, { passphrase: 'd3r' }), now));
    expect(validateCertificateUpload(upload(good.certPem, der, { passphrase: 'wrong' }), now)).toMatchObject({ code: 'PASSPHRASE_WRONG' });
  });

  it('accepts a leaf issued by the customer’s own root without its chain, with a warning naming the issuer', () => {
    const root = pki.root();
    const leaf = makeCertificate({ issuer: root });
    const value = accepted(validateCertificateUpload(upload(leaf.certPem, leaf.keyPem), now));
    expect(value.chain).toEqual([]);
    expect(value.warnings).toEqual([
      expect.stringMatching(/^No chain was uploaded: clients must already trust "CN=Example Root CA, .*", which issued/),
    ]);
  });

  it('puts a chain given in the wrong order into the order the server presents it', () => {
    const { leaf, intermediate, root } = { leaf: pki.leaf(), intermediate: pki.intermediate(), root: pki.root() };
    for (const chain of [root.certPem + intermediate.certPem, intermediate.certPem + root.certPem]) {
      const value = accepted(validateCertificateUpload(upload(leaf.certPem, leaf.keyPem, { chain: Buffer.from(chain) }), now));
      expect(subjects(value.chain)).toEqual(['CN=Example Issuing CA', 'CN=Example Root CA']);
      expect(value.warnings).toEqual([]);
      expect(value.domain).toBe('console-b.plant.example');
    }
  });

  it('takes the chain from a "full chain" certificate file too, and drops a copy of the leaf from the chain file', () => {
    const { leaf, intermediate, root } = { leaf: pki.leaf(), intermediate: pki.intermediate(), root: pki.root() };
    const value = accepted(
      validateCertificateUpload(
        upload(leaf.certPem + intermediate.certPem, leaf.keyPem, { chain: Buffer.from(leaf.certPem + root.certPem) }),
        now,
      ),
    );
    expect(subjects(value.chain)).toEqual(['CN=Example Issuing CA', 'CN=Example Root CA']);
  });

  it('accepts a chain that stops at an intermediate, with a warning that clients must trust its issuer', () => {
    const leaf = pki.leaf();
    const value = accepted(
      validateCertificateUpload(upload(leaf.certPem, leaf.keyPem, { chain: Buffer.from(pki.intermediate().certPem) }), now),
    );
    expect(subjects(value.chain)).toEqual(['CN=Example Issuing CA']);
    expect(value.warnings).toEqual([
      expect.stringMatching(/^The chain ends at "CN=Example Issuing CA.*", issued by "CN=Example Root CA.*", which was not uploaded/),
    ]);
  });

  it('names the domain in lower case, and warns when the subjectAltName does not list it', () => {
    const mixed = makeCertificate({
      subject: { CN: 'Console-C.Plant.Example', O: 'X', OU: 'Y', C: 'DE' },
      sanDns: ['console-c.plant.example'],
    });
    const value = accepted(validateCertificateUpload(upload(mixed.certPem, mixed.keyPem), now));
    expect(value).toMatchObject({ domain: 'console-c.plant.example', warnings: [] });

    const elsewhere = makeCertificate({
      subject: { CN: 'console-d.plant.example', O: 'X', OU: 'Y', C: 'DE' },
      sanDns: ['other.plant.example'],
    });
    expect(accepted(validateCertificateUpload(upload(elsewhere.certPem, elsewhere.keyPem), now)).warnings).toEqual([
      expect.stringMatching(
        /subjectAltName does not list console-d\.plant\.example: browsers opening https:\/\/console-d\.plant\.example will warn/,
      ),
    ]);
  });

  it('warns that pairing needs clientAuth when the extended key usage is serverAuth only', () => {
    const serverOnly: Made = makeCertificate({ extKeyUsage: ['serverAuth'] });
    expect(accepted(validateCertificateUpload(upload(serverOnly.certPem, serverOnly.keyPem), now)).warnings).toEqual([
      expect.stringMatching(/lacks clientAuth: a paired console presents this certificate as a TLS client too/),
    ]);
    const both = makeCertificate({ extKeyUsage: ['serverAuth', 'clientAuth'] });
    expect(accepted(validateCertificateUpload(upload(both.certPem, both.keyPem), now)).warnings).toEqual([]);
  });
});

describe('the CN as the appliance domain', () => {
  it('accepts host names, with or without a trailing dot, and names them in lower case', () => {
    for (const name of ['console-a.plant.example', 'otc-1.local', 'CONSOLE.Example.', 'a', `${'a'.repeat(63)}.example`]) {
      expect(domainNameProblem(name), name).toBeNull();
    }
    expect(canonicalDomain('CONSOLE.Example.')).toBe('console.example');
  });

  it.each([
    ['console_a.plant.example', /is not a DNS name/],
    ['-console.plant.example', /is not a DNS name/],
    ['console-.plant.example', /is not a DNS name/],
    ['console..example', /is not a DNS name/],
    [`${'a'.repeat(64)}.example`, /is not a DNS name/],
    [`${'abcdefgh.'.repeat(28)}example`, /characters long; a DNS name has at most 253/],
    ['console.123', /ends in a number/],
    ['fd00::10', /is an IP address/],
  ])('refuses %s', (name, message) => {
    expect(domainNameProblem(name)).toMatch(message);
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
