import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeCertificate } from '../../tests/support/certs.ts';
import { peerIdentity } from './protocol.ts';

const pem = makeCertificate({ subject: { CN: 'console-a.plant.example' }, key: { type: 'ec', curve: 'P-256' } }).certPem;
const valid = {
  protocol: 1,
  applianceId: '0b9f3c1e-2a4d-4e8f-9c1a-1f2e3d4c5b6a',
  domain: 'console-a.plant.example',
  address: '10.0.0.11:8443',
  model: 'OTC-5000',
  softwareVersion: '1.4.0',
  configuredRole: 'STANDALONE',
  state: 'ACTIVE',
  term: '18446744073709551615',
  certificatePem: pem,
  fingerprint: new X509Certificate(pem).fingerprint256,
  clock: 1_767_225_600_000,
  timezone: 'Europe/Berlin',
  peerPort: 9443,
  pairedWith: null,
  inventory: { sensors: 0, connectedSensors: 0, users: 1, settings: 0, vlans: 0, sensorEvents: 0, auditEvents: 0 },
};
const issues = (value: unknown) => {
  const parsed = peerIdentity.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('peer identity schema', () => {
  it('accepts an identity whose fingerprint is that of its certificate, with a 64-bit term', () => {
    expect(issues(valid)).toEqual([]);
  });

  it('refuses another protocol version', () => {
    expect(issues({ ...valid, protocol: 2 })).toEqual([expect.stringMatching(/^protocol: /)]);
  });

  it('refuses a fingerprint that is not that of the certificate', () => {
    const other = makeCertificate({ key: { type: 'ec', curve: 'P-256' } }).certPem;
    expect(issues({ ...valid, fingerprint: new X509Certificate(other).fingerprint256 })).toEqual([
      `fingerprint: The fingerprint is not that of certificatePem (${valid.fingerprint}).`,
    ]);
  });

  it('refuses a certificate field that holds no certificate', () => {
    expect(issues({ ...valid, certificatePem: 'hello' })).toEqual(['certificatePem: certificatePem is not a PEM X.509 certificate.']);
  });

  it('refuses unknown fields and a lower-case fingerprint form', () => {
    expect(issues({ ...valid, extra: true })).toHaveLength(1);
    expect(issues({ ...valid, fingerprint: valid.fingerprint.toLowerCase() })[0]).toMatch(/^fingerprint: A SHA-256 fingerprint looks like/);
  });
});
