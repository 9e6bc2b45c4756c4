import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleSession } from '../../lib/auth/session.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// The real action, mutation, database and vendor key file; only the session is substituted.
let session: ConsoleSession | null = null;
vi.mock('../../lib/auth/session.ts', () => ({ currentSession: async () => session }));

const { uploadActivation } = await import('../../lib/activation/actions.ts');
const { installActivation } = await import('../../lib/activation/mutations.ts');
const { loadActivationSection } = await import('../../lib/activation/loaders.ts');
const { activationKeyId, signActivation } = await import('../../lib/activation/format.ts');
const { writeVendorKeyPair } = await import('../../lib/activation/vendor-key.ts');
const { ACTIVATION_MAX_BYTES } = await import('../../lib/activation/schema.ts');
const { db } = await import('../../lib/db/client.ts');

const DAY = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

let appliance: ApplianceDb;
let dir: string;
let vendor: { publicKeyFile: string; privateKeyFile: string; keyId: string };
let privatePem: string;

const payload = (over: Record<string, unknown> = {}) => ({
  version: 1 as const,
  subscriptions: ['SUB-2001'],
  committedDevices: 250,
  issuedOn: day(-10),
  expiresOn: day(365),
  ...over,
});
const fileOf = (text: string, name = 'activation.json') => new File([text], name, { type: 'application/json' });

async function snapshot() {
  const [activation, journal, audit] = await Promise.all([
    db().activation.findUnique({ where: { id: 1 } }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
  ]);
  return { activation: JSON.stringify(activation), journal, audit };
}

// A refused upload changes nothing but adds exactly one audit record: the refusal, with its reason.
async function expectRefused(file: File, code: string, message: string | RegExp) {
  const before = await snapshot();
  const result = await uploadActivation({ file });
  expect(result).toMatchObject({ ok: false, code });
  if (typeof message === 'string') expect(!result.ok && result.message).toBe(message);
  else expect(!result.ok && result.message).toMatch(message);
  const after = await snapshot();
  expect(after.activation).toBe(before.activation);
  expect(after.journal).toBe(before.journal);
  expect(after.audit).toBe(before.audit + 1);
  const [last] = await db().auditEvent.findMany({ orderBy: { id: 'desc' }, take: 1 });
  expect(last).toMatchObject({
    action: 'activation.upload',
    outcome: 'failure',
    actor: 'admin',
    details: expect.objectContaining({ code }),
  });
}

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'otc-activation-'));
  process.env.OTC_DATA_DIR = path.join(dir, 'data');
  vendor = await writeVendorKeyPair(path.join(dir, 'vendor'));
  privatePem = await readFile(vendor.privateKeyFile, 'utf8');
  const admin = await db().user.findUniqueOrThrow({ where: { username: 'admin' } });
  session = { user: { id: admin.id, name: 'admin', role: 'ADMIN' }, lastActive: Date.now(), authTime: Date.now(), sessionVersion: 0 };
});

beforeEach(() => {
  process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE = vendor.publicKeyFile;
  session!.lastActive = Date.now();
});

afterAll(async () => {
  delete process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE;
  await appliance.close();
  await rm(dir, { recursive: true, force: true });
});

describe('installing an activation file', () => {
  it('starts with no activation: the page says so and offers the upload', async () => {
    const section = await loadActivationSection();
    expect(section.activation).toBeNull();
    expect(section.banners.map((b) => b.code)).toEqual(['NOT_ACTIVATED']);
    expect(section.upload).toEqual({ allowed: true, keyId: vendor.keyId.slice(0, 16) });
    expect(section.monitoredDevices).toBe(0);
  });

  it('installs a valid file: the activation row, a journal record with the file text and an audit event, together', async () => {
    const text = signActivation(payload({ subscriptions: ['SUB-2001', 'SUB-2002'], customer: 'Acme Water' }), privatePem);
    const before = await snapshot();
    const result = await uploadActivation({ file: fileOf(text) });
    expect(result).toEqual({
      ok: true,
      data: {
        subscriptions: ['SUB-2001', 'SUB-2002'],
        committedDevices: 250,
        issuedOn: day(-10),
        expiresOn: day(365),
        customer: 'Acme Water',
      },
    });

    const row = await db().activation.findUniqueOrThrow({ where: { id: 1 } });
    expect(row).toMatchObject({ subscriptionIds: ['SUB-2001', 'SUB-2002'], committedDevices: 250, fileText: text, uploadedBy: 'admin' });
    expect(row.expiresAt.toISOString()).toBe(`${day(365)}T00:00:00.000Z`);
    expect(row.issuedAt.toISOString()).toBe(`${day(-10)}T00:00:00.000Z`);

    const journal = await db().journal.findMany({ where: { entity: { not: 'audit' } }, orderBy: { seq: 'desc' }, take: 1 });
    expect(await db().journal.count({ where: { entity: { not: 'audit' } } })).toBe(before.journal + 1);
    expect(journal[0]).toMatchObject({
      entity: 'activation',
      key: 'current',
      op: 'upsert',
      payload: expect.objectContaining({ fileText: text, fileSha256: row.fileSha256, committedDevices: 250 }),
    });

    expect(await db().auditEvent.count()).toBe(before.audit + 1);
    const [audit] = await db().auditEvent.findMany({ orderBy: { id: 'desc' }, take: 1 });
    expect(audit).toMatchObject({
      action: 'activation.upload',
      outcome: 'success',
      actor: 'admin',
      target: 'SUB-2001, SUB-2002',
      details: expect.objectContaining({ keyId: vendor.keyId, expiresOn: day(365) }),
    });

    const section = await loadActivationSection();
    expect(section.activation).toMatchObject({
      subscriptions: ['SUB-2001', 'SUB-2002'],
      committedDevices: 250,
      expiresOn: day(365),
      issuedOn: day(-10),
      customer: 'Acme Water',
      uploadedBy: 'admin',
    });
    expect(section.banners).toEqual([]);
  });

  it('a newer file replaces the current one; expiry within 30 days shows the warning', async () => {
    const result = await uploadActivation({
      file: fileOf(signActivation(payload({ committedDevices: 40, expiresOn: day(20) }), privatePem)),
    });
    expect(result.ok).toBe(true);
    expect(await db().activation.count()).toBe(1);
    expect(await db().activation.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({
      committedDevices: 40,
      subscriptionIds: ['SUB-2001'],
    });
    const section = await loadActivationSection();
    expect(section.banners.map((b) => b.code)).toEqual(['EXPIRING']);
    expect(section.banners[0]!.message).toContain(`expires on ${day(20)}`);
  });
});

describe('refused files change nothing and say why', () => {
  const signed = () => signActivation(payload(), privatePem);

  it('tampered: a digit of the payload changed after signing', async () => {
    const envelope = JSON.parse(signed());
    const decoded = Buffer.from(envelope.payload, 'base64').toString('utf8').replace('"committedDevices":250', '"committedDevices":950');
    const tampered = JSON.stringify({ ...envelope, payload: Buffer.from(decoded).toString('base64') });
    await expectRefused(fileOf(tampered), 'TAMPERED', /^This activation file has been changed since the vendor signed it/);
  });

  it('expired', async () => {
    await expectRefused(
      fileOf(signActivation(payload({ issuedOn: day(-400), expiresOn: day(-35) }), privatePem)),
      'EXPIRED',
      `This activation file expired on ${day(-35)}. Ask the vendor for a renewed activation file.`,
    );
  });

  it('not yet valid', async () => {
    await expectRefused(
      fileOf(signActivation(payload({ issuedOn: day(10), expiresOn: day(400) }), privatePem)),
      'NOT_YET_VALID',
      new RegExp(`^This activation file is not valid until ${day(10)} \\(UTC\\)`),
    );
  });

  it('malformed: not JSON, not the format, a missing field', async () => {
    await expectRefused(
      fileOf('hello, this is a licence\n', 'licence.txt'),
      'MALFORMED',
      /^This is not an activation file: it is not valid JSON\./,
    );
    await expectRefused(fileOf('{"licence":"SUB-1"}'), 'MALFORMED', /has no "format": "otc-activation\/1" field/);
    const { signature: _gone, ...unsigned } = JSON.parse(signed());
    await expectRefused(
      fileOf(JSON.stringify(unsigned)),
      'MALFORMED',
      'The activation file is incomplete or damaged: signature is missing. Upload the file the vendor sent, unchanged.',
    );
    // Genuinely signed by our vendor key, but without committed devices.
    const body = Buffer.from(JSON.stringify({ version: 1, subscriptions: ['S'], issuedOn: day(-1), expiresOn: day(30) })).toString(
      'base64',
    );
    const incomplete = {
      format: 'otc-activation/1',
      keyId: vendor.keyId,
      payload: body,
      signature: sign(null, Buffer.from(body), privatePem).toString('base64'),
    };
    await expectRefused(
      fileOf(JSON.stringify(incomplete)),
      'MALFORMED',
      'The activation file is signed but its contents are not valid: committedDevices is missing. Ask the vendor for a corrected file.',
    );
  });

  it('wrong key: signed for another vendor key', async () => {
    const other = generateKeyPairSync('ed25519');
    const text = signActivation(payload(), other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const theirs = activationKeyId(other.publicKey).slice(0, 16);
    await expectRefused(
      fileOf(text),
      'WRONG_KEY',
      new RegExp(
        `^This activation file was signed for another vendor key \\(key id ${theirs}…\\), not the one this console trusts \\(key id ${vendor.keyId.slice(0, 16)}…\\)`,
      ),
    );
  });

  it('oversized: more than 1 MB, refused by size before it is read', async () => {
    const big = fileOf(signed() + ' '.repeat(ACTIVATION_MAX_BYTES));
    await expectRefused(
      big,
      'OVERSIZED',
      'The activation file is 1.0 MB; an activation file is at most 1 MB. Check that you chose the file the vendor sent.',
    );
  });

  it('no vendor key configured: refused with a message naming the variable', async () => {
    delete process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE;
    await expectRefused(
      fileOf(signed()),
      'NO_VENDOR_KEY',
      /no vendor public key is configured\. Set OTC_ACTIVATION_PUBLIC_KEY_FILE to the vendor public key \(PEM\)/,
    );
    expect(await loadActivationSection()).toMatchObject({
      upload: { allowed: false, message: expect.stringContaining('OTC_ACTIVATION_PUBLIC_KEY_FILE') },
    });
    process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE = path.join(dir, 'missing.pem');
    await expectRefused(
      fileOf(signed()),
      'VENDOR_KEY_UNUSABLE',
      `The vendor public key in OTC_ACTIVATION_PUBLIC_KEY_FILE (${path.join(dir, 'missing.pem')}) cannot be used: the file does not exist.`,
    );
  });

  it('no file at all is invalid input, refused before anything is recorded', async () => {
    const before = await snapshot();
    expect(await uploadActivation({ file: 'SUB-1,500' as never })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: 'Choose an activation file to upload.',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('a Security Analyst may not upload', async () => {
    const analyst = await db().user.findUniqueOrThrow({ where: { username: 'analyst' } });
    const admin = session;
    session = {
      user: { id: analyst.id, name: 'analyst', role: 'SECURITY_ANALYST' },
      lastActive: Date.now(),
      authTime: Date.now(),
      sessionVersion: 0,
    };
    const before = await snapshot();
    expect(await uploadActivation({ file: fileOf(signed()) })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await snapshot()).toEqual(before);
    session = admin;
  });
});

describe('a console that is not the active primary', () => {
  const setRole = (configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY', state: 'ACTIVE' | 'STANDBY' | 'FROZEN') =>
    db().appliance.update({ where: { id: 1 }, data: { configuredRole, state } });

  // Active: on standby, every write is refused before activation's own check (read-only-console.test.ts).
  it('a secondary refuses the upload and explains where to upload instead, even once it has taken over', async () => {
    await setRole('SECONDARY', 'ACTIVE');
    try {
      await expectRefused(
        fileOf(signActivation(payload(), privatePem)),
        'SECONDARY_CONSOLE',
        'This console is the secondary of a high-availability pair, so it does not take activation files. Upload the activation file on the primary console; it is replicated here.',
      );
      const section = await loadActivationSection();
      expect(section.upload).toEqual({
        allowed: false,
        message: expect.stringContaining('Upload the activation file on the primary console'),
      });
      // It still shows the activation it received.
      expect(section.activation?.committedDevices).toBe(40);
    } finally {
      await setRole('STANDALONE', 'ACTIVE');
    }
  });

  it('a frozen primary refuses too; an active primary accepts', async () => {
    await setRole('PRIMARY', 'FROZEN');
    try {
      const before = await snapshot();
      // The action is refused with every other write of a console that is not active, before the file is read...
      expect(await uploadActivation({ file: fileOf(signActivation(payload(), privatePem)) })).toMatchObject({
        ok: false,
        code: 'READ_ONLY_CONSOLE',
      });
      expect(await snapshot()).toEqual(before);
      // ...and the install keeps its own check, for a failover between that refusal and its transaction.
      expect(await installActivation(fileOf(signActivation(payload(), privatePem)), { username: 'admin' })).toMatchObject({
        ok: false,
        code: 'NOT_ACTIVE',
        message: expect.stringMatching(/^This console is frozen because its secondary has taken over/),
      });
      expect((await snapshot()).activation).toBe(before.activation);
      await setRole('PRIMARY', 'ACTIVE');
      const result = await installActivation(fileOf(signActivation(payload({ committedDevices: 41 }), privatePem)), { username: 'admin' });
      expect(result.ok).toBe(true);
      expect((await db().activation.findUniqueOrThrow({ where: { id: 1 } })).committedDevices).toBe(41);
    } finally {
      await setRole('STANDALONE', 'ACTIVE');
    }
  });
});

describe('the vendor CLIs', () => {
  const tsx = (script: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', env: { ...process.env } });

  it('ot-activation-keygen writes a key pair (private key 0600); ot-activation-issue signs a file that installs', async () => {
    const keyDir = path.join(dir, 'cli-vendor');
    const keygen = tsx('cli/ot-activation-keygen.ts', ['--out-dir', keyDir]);
    expect(keygen.stderr).toBe('');
    expect(keygen.status).toBe(0);
    expect(statSync(path.join(keyDir, 'vendor-private.pem')).mode & 0o777).toBe(0o600);
    expect(keygen.stdout).toContain(path.join(keyDir, 'vendor-public.pem'));
    // A second run must not replace the key that issued files.
    const again = tsx('cli/ot-activation-keygen.ts', ['--out-dir', keyDir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`ot-activation-keygen: ${keyDir} already holds a vendor key; choose another directory.\n`);

    const out = path.join(dir, 'issued.json');
    const issue = tsx('cli/ot-activation-issue.ts', [
      '--private-key',
      path.join(keyDir, 'vendor-private.pem'),
      '--subscription',
      'SUB-CLI-1',
      '--subscription',
      'SUB-CLI-2',
      '--devices',
      '1200',
      '--issued',
      day(-1),
      '--expires',
      day(200),
      '--out',
      out,
    ]);
    expect(issue.stderr).toBe('');
    expect(issue.status).toBe(0);
    expect(issue.stdout).toMatch(
      new RegExp(
        `^Wrote ${out}: SUB-CLI-1, SUB-CLI-2; 1200 committed devices; issued ${day(-1)}, expires ${day(200)}; vendor key [0-9a-f]{16}…\\n$`,
      ),
    );

    process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE = path.join(keyDir, 'vendor-public.pem');
    const result = await uploadActivation({ file: fileOf(await readFile(out, 'utf8')) });
    expect(result).toMatchObject({
      ok: true,
      data: { subscriptions: ['SUB-CLI-1', 'SUB-CLI-2'], committedDevices: 1200, expiresOn: day(200) },
    });
    expect(await db().activation.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ committedDevices: 1200 });
  });

  it('ot-activation-issue writes to stdout without --out; usage errors exit 2, failures exit 1, with one-line reasons', async () => {
    const stdout = tsx('cli/ot-activation-issue.ts', [
      '--private-key',
      vendor.privateKeyFile,
      '--subscription',
      'S-9',
      '--devices',
      '9',
      '--expires',
      day(90),
    ]);
    expect(stdout.status).toBe(0);
    const result = await uploadActivation({ file: fileOf(stdout.stdout) });
    expect(result).toMatchObject({
      ok: true,
      data: { subscriptions: ['S-9'], issuedOn: new Date().toISOString().slice(0, 10), expiresOn: day(90) },
    });

    const missing = tsx('cli/ot-activation-issue.ts', ['--subscription', 'S-9']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(
      /^ot-activation-issue: missing --private-key, --devices, --expires\nusage: ot-activation-issue --private-key <pem file>/,
    );
    const badDate = tsx('cli/ot-activation-issue.ts', [
      '--private-key',
      vendor.privateKeyFile,
      '--subscription',
      'S-9',
      '--devices',
      '9',
      '--expires',
      '2030-02-30',
    ]);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toBe('ot-activation-issue: --expires: Use a date in the form YYYY-MM-DD.\n');
    const noKey = tsx('cli/ot-activation-issue.ts', [
      '--private-key',
      path.join(dir, 'nope.pem'),
      '--subscription',
      'S-9',
      '--devices',
      '9',
      '--expires',
      day(90),
    ]);
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toBe(`ot-activation-issue: cannot read the private key file ${path.join(dir, 'nope.pem')}.\n`);
    const publicInstead = tsx('cli/ot-activation-issue.ts', [
      '--private-key',
      vendor.publicKeyFile,
      '--subscription',
      'S-9',
      '--devices',
      '9',
      '--expires',
      day(90),
    ]);
    expect(publicInstead.status).toBe(1);
    expect(publicInstead.stderr).toBe('ot-activation-issue: The private key is not a PEM private key.\n');
    expect(publicInstead.stdout).toBe('');
  });
});
