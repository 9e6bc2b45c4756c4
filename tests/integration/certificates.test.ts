import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { pki, refusalCases, type PickedFiles } from '../support/certificate-cases.ts';
import { makeCertificate } from '../support/certs.ts';

// The caller the guard sees; the guard, the action, the validator, the files and the database are real.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { uploadCertificate } = await import('../../lib/certificates/actions.ts');
const { bootstrapAppliance } = await import('../../lib/boot/bootstrap.ts');
const { loadConfig } = await import('../../lib/config/env.ts');
const { db } = await import('../../lib/db/client.ts');

let appliance: ApplianceDb;
let dataDir: string;
const file = (data: string | Buffer, name: string) => new File([Buffer.from(data)], name);
const asFiles = (picked: PickedFiles) => ({
  certificate: file(picked.certificate, 'console.crt'),
  privateKey: file(picked.privateKey, 'console.key'),
  chain: picked.chain ? file(picked.chain, 'chain.pem') : undefined,
  passphrase: picked.passphrase,
});
const tlsFiles = async () => ({
  key: await readFile(path.join(dataDir, 'tls/appliance.key'), 'utf8'),
  cert: await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8'),
});
const lastAudit = async (action: string) => db().auditEvent.findFirst({ where: { action }, orderBy: { id: 'desc' } });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-certs-'));
  process.env.OTC_DATA_DIR = dataDir;
  process.env.OTC_BIND_ADDRESS = '127.0.0.23';
  appliance = await createApplianceDatabase();
  await bootstrapAppliance(loadConfig());
  const admin = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
  session = { user: { id: admin.id, name: 'admin', role: 'ADMIN' }, lastActive: Date.now(), authTime: Date.now(), sessionVersion: 0 };
});
afterAll(async () => appliance.close());

// Everything an upload may change: the record, the journal, the appliance (its domain), the files.
async function state() {
  return JSON.stringify(
    {
      record: await db().certificate.findUnique({ where: { id: 1 } }),
      journal: await db().journal.count({ where: { entity: { not: 'audit' } } }),
      appliance: await db().appliance.findUniqueOrThrow({ where: { id: 1 } }),
      files: await tlsFiles(),
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

describe('SSL/TLS certificate upload', () => {
  it('first boot records the generated certificate', async () => {
    const record = await db().certificate.findUniqueOrThrow({ where: { id: 1 } });
    expect(record.source).toBe('generated');
    expect(record.fingerprint).toBe(new X509Certificate((await tlsFiles()).cert).fingerprint256);
  });

  describe('refuses every wrong file with its own reason and changes nothing', () => {
    it.each(refusalCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const before = await state();
      const auditBefore = await db().auditEvent.count();
      const result = await uploadCertificate(asFiles(c.files()));
      expect(result).toMatchObject({ ok: false, code: c.code });
      if (result.ok) return;
      expect(result.message).toMatch(c.message);
      expect(await state()).toBe(before);
      if (c.schemaOnly) {
        expect(await db().auditEvent.count()).toBe(auditBefore);
      } else {
        // The refusal itself is audited, with its reason.
        expect(await db().auditEvent.count()).toBe(auditBefore + 1);
        expect(await lastAudit('certificate.install')).toMatchObject({
          outcome: 'failure',
          actor: 'admin',
          details: { code: c.code, message: result.message },
        });
      }
    });
  });

  it('installs a leaf issued by the customer’s own root without its chain, with a warning; its CN becomes the domain', async () => {
    const leaf = makeCertificate({
      issuer: pki.root(),
      subject: { CN: 'console-a.plant.example', O: 'Example Utility', OU: 'OT', C: 'DE' },
    });
    const result = await uploadCertificate(asFiles({ certificate: Buffer.from(leaf.certPem), privateKey: Buffer.from(leaf.keyPem) }));
    expect(result).toMatchObject({
      ok: true,
      data: {
        live: false,
        domain: 'console-a.plant.example',
        previousDomain: 'otc-test.local',
        warnings: [expect.stringMatching(/^No chain was uploaded: clients must already trust "CN=Example Root CA/)],
      },
    });
    const files = await tlsFiles();
    expect(files.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(new X509Certificate(files.cert).fingerprint256).toBe(new X509Certificate(leaf.certPem).fingerprint256);

    // The domain and the certificate agree, and the change is journaled and audited with both names.
    expect((await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).domain).toBe('console-a.plant.example');
    expect(await lastAudit('appliance.domain-change')).toMatchObject({
      actor: 'admin',
      outcome: 'success',
      target: 'console-a.plant.example',
      details: { from: 'otc-test.local', to: 'console-a.plant.example', reason: 'certificate CN' },
    });
    const row = (await db().journal.findMany({ where: { entity: 'certificate' }, orderBy: { seq: 'desc' }, take: 1 }))[0]!;
    expect(row.payload).toMatchObject({ source: 'uploaded', domain: 'console-a.plant.example' });
  });

  it('installs a CA-issued certificate with its chain given out of order: served leaf first, then each issuer; no key in the journal', async () => {
    const leaf = makeCertificate({
      issuer: pki.intermediate(),
      subject: { CN: 'console-a.plant.example', O: 'Example Utility', OU: 'OT', C: 'DE' },
    });
    const domainChanges = await db().auditEvent.count({ where: { action: 'appliance.domain-change' } });
    const journalBefore = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const result = await uploadCertificate({
      certificate: file(leaf.certPem, 'c.crt'),
      privateKey: file(leaf.keyPem, 'c.key'),
      chain: file(pki.root().certPem + pki.intermediate().certPem, 'chain.pem'),
    });
    expect(result).toMatchObject({
      ok: true,
      data: { live: false, domain: 'console-a.plant.example', previousDomain: null, warnings: [] },
    });

    const files = await tlsFiles();
    const served = files.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p));
    expect(served.map((c) => c.subject.split('\n')[0])).toEqual([
      'CN=console-a.plant.example',
      'CN=Example Issuing CA',
      'CN=Example Root CA',
    ]);
    expect(served[0]!.checkPrivateKey(createPrivateKey(files.key))).toBe(true);

    const record = await db().certificate.findUniqueOrThrow({ where: { id: 1 } });
    expect(record).toMatchObject({ source: 'uploaded', installedBy: 'admin', fingerprint: served[0]!.fingerprint256 });
    expect(record.issuer).toContain('CN=Example Issuing CA');
    // Same CN as the domain: no domain change this time.
    expect(await db().auditEvent.count({ where: { action: 'appliance.domain-change' } })).toBe(domainChanges);
    const journal = await db().journal.findMany({ where: { seq: { gt: BigInt(0) }, entity: { not: 'audit' } }, orderBy: { seq: 'asc' } });
    expect(journal.length).toBe(journalBefore + 1);
    expect(journal.at(-1)).toMatchObject({ entity: 'certificate', op: 'upsert' });
    expect(JSON.stringify(journal.at(-1)!.payload)).not.toMatch(/PRIVATE KEY/);
    expect(await lastAudit('certificate.install')).toMatchObject({
      outcome: 'success',
      target: expect.stringContaining('console-a.plant.example'),
    });
  });
});
