import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeCertificate } from '../../tests/support/certs.ts';
import { peerIdentity, type PeerIdentity } from '../peer/protocol.ts';
import { checkPairingPrerequisites, clockOffset, describeInventory, type PairingCheckInput } from './prerequisites.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const cert = (cn: string, from = NOW - DAY, to = NOW + 365 * DAY) =>
  makeCertificate({
    subject: { CN: cn, O: 'Example Utility' },
    key: { type: 'ec', curve: 'P-256' },
    notBefore: new Date(from),
    notAfter: new Date(to),
  }).certPem;
const PRIMARY_CERT = cert('console-a.plant.example');
const SECONDARY_CERT = cert('console-b.plant.example');

function identity(overrides: Partial<PeerIdentity> & { certificatePem: string }): PeerIdentity {
  return peerIdentity.parse({
    protocol: 1,
    applianceId: '0b9f3c1e-2a4d-4e8f-9c1a-1f2e3d4c5b6a',
    domain: 'console-a.plant.example',
    address: '10.0.0.11:8443',
    model: 'OTC-5000',
    softwareVersion: '1.4.0',
    configuredRole: 'STANDALONE',
    state: 'ACTIVE',
    term: '1',
    fingerprint: new X509Certificate(overrides.certificatePem).fingerprint256,
    clock: NOW,
    timezone: 'Europe/Berlin',
    peerPort: 9443,
    pairedWith: null,
    inventory: { sensors: 3, connectedSensors: 3, users: 2, settings: 14, vlans: 1, sensorEvents: 1024, auditEvents: 50 },
    ...overrides,
  });
}

function input(change: (i: PairingCheckInput) => void = () => {}): PairingCheckInput {
  const i: PairingCheckInput = {
    primary: identity({ certificatePem: PRIMARY_CERT }),
    secondary: identity({
      certificatePem: SECONDARY_CERT,
      applianceId: '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      domain: 'console-b.plant.example',
      address: '10.0.0.12:8443',
    }),
    clock: { sentAt: NOW, peerClock: NOW + 20, receivedAt: NOW + 40 },
    now: NOW,
    replacementConfirmed: true,
  };
  change(i);
  return i;
}

const codes = (i: PairingCheckInput) => {
  const result = checkPairingPrerequisites(i);
  return result.ok ? [] : result.failures.map((f) => f.code);
};
const messageOf = (i: PairingCheckInput) => {
  const result = checkPairingPrerequisites(i);
  return result.ok ? '' : result.failures.map((f) => f.message).join('\n');
};

describe('pairing prerequisites', () => {
  it('passes two compatible consoles', () => {
    expect(checkPairingPrerequisites(input())).toEqual({ ok: true });
  });

  const cases: { name: string; change: (i: PairingCheckInput) => void; code: string; says: string[] }[] = [
    {
      name: 'the same appliance id (pairing with itself)',
      change: (i) => (i.secondary = { ...i.secondary, applianceId: i.primary.applianceId }),
      code: 'PAIRING_WITH_ITSELF',
      says: ['10.0.0.12:8443 leads back to this console'],
    },
    {
      name: 'the same address (pairing with itself)',
      change: (i) => (i.secondary = { ...i.secondary, address: '10.0.0.11:8443' }),
      code: 'PAIRING_WITH_ITSELF',
      says: ["secondary console's address"],
    },
    {
      name: 'this console already paired',
      change: (i) =>
        (i.primary = {
          ...i.primary,
          configuredRole: 'PRIMARY',
          pairedWith: { domain: 'console-c.plant.example', address: '10.0.0.13:8443', fingerprint: i.secondary.fingerprint },
        }),
      code: 'PRIMARY_ALREADY_PAIRED',
      says: [
        'This console is already paired with console-c.plant.example (10.0.0.13:8443)',
        'trusted-hosts-remove -d console-c.plant.example',
      ],
    },
    {
      name: 'the secondary configured as part of a pair',
      change: (i) => (i.secondary = { ...i.secondary, configuredRole: 'SECONDARY' }),
      code: 'SECONDARY_ALREADY_PAIRED',
      says: ['The secondary console-b.plant.example is configured as secondary of a pair'],
    },
    {
      name: 'another model',
      change: (i) => (i.secondary = { ...i.secondary, model: 'OTC-3000' }),
      code: 'MODEL_MISMATCH',
      says: ['this console is "OTC-5000", the secondary is "OTC-3000"'],
    },
    {
      name: 'another software version',
      change: (i) => (i.secondary = { ...i.secondary, softwareVersion: '1.3.9' }),
      code: 'SOFTWARE_VERSION_MISMATCH',
      says: ['this console runs 1.4.0, the secondary 1.3.9', 'Update the older one'],
    },
    {
      name: 'fewer than two connected sensors on the primary',
      change: (i) => (i.primary = { ...i.primary, inventory: { ...i.primary.inventory, connectedSensors: 1 } }),
      code: 'TOO_FEW_CONNECTED_SENSORS',
      says: ['at least 2 connected sensors', 'it has 1'],
    },
    {
      name: 'a clock 6 s ahead',
      change: (i) => (i.clock = { sentAt: NOW, peerClock: NOW + 6_020, receivedAt: NOW + 40 }),
      code: 'CLOCK_OFFSET_TOO_LARGE',
      says: ["The secondary's clock is 6.0 s ahead of this console's (±20 ms)", 'within 5 s', 'NTP'],
    },
    {
      name: 'a clock within 5 s by its midpoint but not within the round trip bound',
      change: (i) => (i.clock = { sentAt: NOW, peerClock: NOW - 4_500, receivedAt: NOW + 2_000 }),
      code: 'CLOCK_OFFSET_TOO_LARGE',
      says: ['5.5 s behind this console', '±1000 ms'],
    },
    {
      name: 'a round trip too slow to measure',
      change: (i) => (i.clock = { sentAt: NOW, peerClock: NOW + 6_000, receivedAt: NOW + 12_000 }),
      code: 'CLOCK_OFFSET_TOO_LARGE',
      says: ['took 12000 ms', 'faster link'],
    },
    {
      name: 'another time zone',
      change: (i) => (i.secondary = { ...i.secondary, timezone: 'UTC' }),
      code: 'TIMEZONE_MISMATCH',
      says: ['this console uses Europe/Berlin, the secondary UTC'],
    },
    {
      name: 'a certificate with the same CN (in another case)',
      change: (i) => {
        const pem = cert('CONSOLE-A.plant.example');
        i.secondary = { ...i.secondary, certificatePem: pem, fingerprint: new X509Certificate(pem).fingerprint256 };
      },
      code: 'SAME_CERTIFICATE_CN',
      says: ['Both consoles present a certificate for "console-a.plant.example"'],
    },
    {
      name: "this console's certificate expired",
      change: (i) => {
        const pem = cert('console-a.plant.example', NOW - 2 * DAY, NOW - DAY);
        i.primary = { ...i.primary, certificatePem: pem, fingerprint: new X509Certificate(pem).fingerprint256 };
      },
      code: 'PRIMARY_CERTIFICATE_NOT_VALID',
      says: ["This console's certificate expired on 2026-11-30T12:00:00.000Z"],
    },
    {
      name: "the secondary's certificate not valid yet",
      change: (i) => {
        const pem = cert('console-b.plant.example', NOW + DAY, NOW + 2 * DAY);
        i.secondary = { ...i.secondary, certificatePem: pem, fingerprint: new X509Certificate(pem).fingerprint256 };
      },
      code: 'SECONDARY_CERTIFICATE_NOT_VALID',
      says: ["The secondary's certificate is not valid yet: it is valid from 2026-12-02T12:00:00.000Z"],
    },
    {
      name: 'the replacement of the secondary data not confirmed',
      change: (i) => (i.replacementConfirmed = false),
      code: 'DATA_REPLACEMENT_NOT_CONFIRMED',
      says: [
        '3 sensors, 2 users, 14 settings, 1 VLAN, 1,024 sensor events and 50 audit events on console-b.plant.example will be deleted',
        'Confirm the replacement',
      ],
    },
  ];

  it.each(cases)('refuses $name with $code alone', ({ change, code, says }) => {
    const i = input(change);
    expect(codes(i)).toEqual([code]);
    for (const phrase of says) expect(messageOf(i)).toContain(phrase);
  });

  it('refuses the same certificate on both consoles, with its CN too', () => {
    const i = input(
      (x) => (x.secondary = { ...x.secondary, certificatePem: x.primary.certificatePem, fingerprint: x.primary.fingerprint }),
    );
    expect(codes(i)).toEqual(['SAME_CERTIFICATE_CN', 'SAME_CERTIFICATE']);
    expect(messageOf(i)).toContain(`Both consoles present the same certificate (${i.primary.fingerprint})`);
  });

  it('reports every failure at once, in a fixed order, with one summary message', () => {
    const i = input((x) => {
      x.replacementConfirmed = false;
      x.secondary = { ...x.secondary, timezone: 'UTC', model: 'OTC-3000', softwareVersion: '2.0.0' };
      x.primary = { ...x.primary, inventory: { ...x.primary.inventory, connectedSensors: 0 } };
    });
    const result = checkPairingPrerequisites(i);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('PAIRING_PREREQUISITES_NOT_MET');
    expect(result.failures.map((f) => f.code)).toEqual([
      'MODEL_MISMATCH',
      'SOFTWARE_VERSION_MISMATCH',
      'TOO_FEW_CONNECTED_SENSORS',
      'TIMEZONE_MISMATCH',
      'DATA_REPLACEMENT_NOT_CONFIRMED',
    ]);
    expect(result.message.split('\n')).toHaveLength(6);
    expect(result.message).toMatch(/^Pairing refused \(5 of 13 prerequisites not met\):/);
  });
});

describe('clock offset', () => {
  it('takes the answer as written half-way through the round trip', () => {
    expect(clockOffset({ sentAt: 1_000, peerClock: 4_000, receivedAt: 1_200 })).toEqual({ offsetMs: 2_900, uncertaintyMs: 100 });
  });

  it('accepts an offset exactly at the tolerance once the bound is included', () => {
    expect(codes(input((i) => (i.clock = { sentAt: NOW, peerClock: NOW + 5_000, receivedAt: NOW + 20 })))).toEqual([]);
    expect(codes(input((i) => (i.clock = { sentAt: NOW, peerClock: NOW + 5_001, receivedAt: NOW + 20 })))).toEqual([
      'CLOCK_OFFSET_TOO_LARGE',
    ]);
  });
});

describe('inventory description', () => {
  it('uses singulars, plurals and thousands separators', () => {
    expect(
      describeInventory({ sensors: 1, connectedSensors: 1, users: 0, settings: 2, vlans: 1, sensorEvents: 1_000_000, auditEvents: 1 }),
    ).toBe('1 sensor, 0 users, 2 settings, 1 VLAN, 1,000,000 sensor events and 1 audit event');
  });
});
