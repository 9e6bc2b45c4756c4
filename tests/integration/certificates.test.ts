import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { makeCertificate } from '../support/certs.ts';

let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { uploadCertificate } = await import('../../lib/certificates/actions.ts');
const { bootstrapAppliance } = await import('../../lib/boot/bootstrap.ts');
const { loadConfig } = await import('../../lib/config/env.ts');
const { db } = await import('../../lib/db/client.ts');

let appliance: ApplianceDb;
let dataDir: string;
const file = (text: string, name: string) => new File([text], name);
const tlsFiles = async () => ({
  key: await readFile(path.join(dataDir, 'tls/appliance.key'), 'utf8'),
  cert: await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8'),
});

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

async function state() {
  return {
    record: await db().certificate.findUnique({ where: { id: 1 } }),
    journal: await db().journal.count(),
    files: await tlsFiles(),
  };
}

describe('SSL/TLS certificate upload', () => {
  it('first boot records the generated certificate', async () => {
    const record = await db().certificate.findUniqueOrThrow({ where: { id: 1 } });
    expect(record.source).toBe('generated');
    expect(record.fingerprint).toBe(new X509Certificate((await tlsFiles()).cert).fingerprint256);
  });

  it('refuses an invalid certificate with its reason, changes nothing, and audits the refusal', async () => {
    const wildcard = makeCertificate({ subject: { CN: '*.plant.example', O: 'X', OU: 'Y', C: 'DE' } });
    const before = await state();
    const result = await uploadCertificate({ certificate: file(wildcard.certPem, 'a.crt'), privateKey: file(wildcard.keyPem, 'a.key') });
    expect(result).toMatchObject({
      ok: false,
      code: 'CN_WILDCARD',
      message: expect.stringMatching(/Wildcard certificates are not accepted/),
    });
    expect(await state()).toEqual(before);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'certificate.install' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'failure', actor: 'admin' });

    const empty = await uploadCertificate({ certificate: file('', 'a.crt'), privateKey: file(wildcard.keyPem, 'a.key') });
    expect(empty).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: 'The certificate file (.crt) is empty.' });
    const huge = await uploadCertificate({ certificate: file('x'.repeat(70_000), 'a.crt'), privateKey: file(wildcard.keyPem, 'a.key') });
    expect(huge).toMatchObject({ ok: false, message: expect.stringMatching(/larger than 64 KB/) });
    expect(await state()).toEqual(before);
  });

  it('installs a CA-issued certificate with its chain: files, record, journal (no key) and audit', async () => {
    const root = makeCertificate({ subject: { CN: 'Plant Root CA', O: 'Example Utility', OU: 'PKI', C: 'DE' }, ca: true });
    const leaf = makeCertificate({ issuer: root, subject: { CN: 'console-a.plant.example', O: 'Example Utility', OU: 'OT', C: 'DE' } });
    const journalBefore = await db().journal.count();
    const result = await uploadCertificate({
      certificate: file(leaf.certPem, 'c.crt'),
      privateKey: file(leaf.keyPem, 'c.key'),
      chain: file(root.certPem, 'chain.pem'),
    });
    expect(result).toMatchObject({ ok: true, data: { live: false } });

    const files = await tlsFiles();
    const served = new X509Certificate(files.cert);
    expect(served.subject).toContain('CN=console-a.plant.example');
    expect(served.checkPrivateKey(createPrivateKey(files.key))).toBe(true);
    expect(files.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    const record = await db().certificate.findUniqueOrThrow({ where: { id: 1 } });
    expect(record).toMatchObject({ source: 'uploaded', installedBy: 'admin', fingerprint: served.fingerprint256 });
    expect(record.issuer).toContain('CN=Plant Root CA');
    const journal = await db().journal.findMany({ where: { seq: { gt: BigInt(0) } }, orderBy: { seq: 'asc' } });
    expect(journal.length).toBe(journalBefore + 1);
    const row = journal.at(-1)!;
    expect(row).toMatchObject({ entity: 'certificate', op: 'upsert' });
    expect(JSON.stringify(row.payload)).not.toMatch(/PRIVATE KEY/);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'certificate.install' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'success', target: expect.stringContaining('console-a.plant.example') });
  });
});
