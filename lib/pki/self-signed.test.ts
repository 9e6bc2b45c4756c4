import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint } from './fingerprint.ts';
import { createApplianceCertificate, type ApplianceCertificate } from './self-signed.ts';

const domain = 'console.plant.example';
const ips = ['127.0.0.1', '10.20.30.40', 'fd00::10'];
const hostnames = ['otc-a', 'otc-a.plant.example'];

let issued: ApplianceCertificate;
let x509: X509Certificate;

beforeAll(async () => {
  issued = await createApplianceCertificate({ domain, ips, hostnames });
  x509 = new X509Certificate(issued.certPem);
});

describe('createApplianceCertificate', () => {
  it('uses an RSA key of at least 2048 bits that matches the certificate', () => {
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(x509.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
  });

  it('is self-signed with sha256WithRSAEncryption', () => {
    const cert = forge.pki.certificateFromPem(issued.certPem);
    expect(cert.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
  });

  it('names the appliance in the subject, with default organization fields', () => {
    const subject = x509.subject.split('\n');
    expect(subject).toEqual(expect.arrayContaining([`CN=${domain}`, 'O=OT Management Console', 'OU=Appliance', 'C=US']));
  });

  it('honours the organization fields it is given', async () => {
    const custom = await createApplianceCertificate({
      domain,
      ips: [],
      hostnames: [],
      organization: 'Plant Ops',
      organizationalUnit: 'Line 3',
      country: 'DE',
      validDays: 30,
    });
    const cert = new X509Certificate(custom.certPem);
    expect(cert.subject.split('\n')).toEqual(expect.arrayContaining(['O=Plant Ops', 'OU=Line 3', 'C=DE']));
    const lifetimeDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(lifetimeDays)).toBe(30);
  });

  it('lists every address and hostname, and the domain, in the subjectAltName', () => {
    const san = (x509.subjectAltName ?? '').split(', ');
    expect(san).toContain(`DNS:${domain}`);
    for (const name of hostnames) expect(san).toContain(`DNS:${name}`);
    expect(san).toContain('IP Address:127.0.0.1');
    expect(san).toContain('IP Address:10.20.30.40');
    expect(san).toContain('IP Address:FD00:0:0:0:0:0:0:10');
  });

  it('serves both TLS client and server authentication', () => {
    expect(x509.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
  });

  it('is valid now, and from a little before now to allow for clock skew', () => {
    const now = Date.now();
    expect(Date.parse(x509.validFrom)).toBeLessThan(now - 60_000);
    expect(Date.parse(x509.validTo)).toBeGreaterThan(now);
    const lifetimeDays = (Date.parse(x509.validTo) - now) / 86_400_000;
    expect(Math.round(lifetimeDays)).toBe(825);
  });

  it('reports the SHA-256 fingerprint of the DER', () => {
    expect(issued.fingerprint).toBe(x509.fingerprint256);
    expect(issued.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const digest = createHash('sha256').update(x509.raw).digest('hex').toUpperCase();
    expect(issued.fingerprint.replaceAll(':', '')).toBe(digest);
    expect(certificateFingerprint(issued.certPem)).toBe(issued.fingerprint);
  });

  it('has a positive serial number', () => {
    expect(x509.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });
});

describe('a TLS server using the appliance certificate', () => {
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    server = https.createServer({ key: issued.keyPem, cert: issued.certPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // Trusts only the appliance certificate itself, as a paired console does once the operator has
  // confirmed the fingerprint; Node's default checkServerIdentity then matches the SAN.
  function handshake(servername?: string): Promise<{ body: string; fingerprint: string }> {
    return new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', ca: issued.certPem, servername, agent: false }, (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ body, fingerprint }));
      });
      req.on('error', reject);
    });
  }

  it('completes a verified handshake against its IP address', async () => {
    const result = await handshake();
    expect(result.body).toBe('ok');
    expect(result.fingerprint).toBe(issued.fingerprint);
  });

  it('completes a verified handshake against its domain name', async () => {
    const result = await handshake(domain);
    expect(result.fingerprint).toBe(issued.fingerprint);
  });

  it('authenticates a client presenting the same certificate (mutual TLS between paired consoles)', async () => {
    const mutual = https.createServer(
      { key: issued.keyPem, cert: issued.certPem, ca: issued.certPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => res.end((req.socket as TLSSocket).getPeerCertificate().fingerprint256),
    );
    await new Promise<void>((resolve) => mutual.listen(0, '127.0.0.1', resolve));
    try {
      const seen = await new Promise<string>((resolve, reject) => {
        const { port: mutualPort } = mutual.address() as AddressInfo;
        const options = {
          host: '127.0.0.1',
          port: mutualPort,
          ca: issued.certPem,
          key: issued.keyPem,
          cert: issued.certPem,
          agent: false,
        };
        https
          .get(options, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      expect(seen).toBe(issued.fingerprint);
    } finally {
      await new Promise((resolve) => mutual.close(resolve));
    }
  });

  it('is rejected for a name it does not carry', async () => {
    await expect(handshake('elsewhere.example')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});
