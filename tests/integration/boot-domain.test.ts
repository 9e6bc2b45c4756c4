import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getApplianceOrThrow } from '../../lib/appliance/data.ts';
import { writeTlsFiles } from '../../lib/appliance/tls-files.ts';
import { bootstrapAppliance } from '../../lib/boot/bootstrap.ts';
import { loadConfig } from '../../lib/config/env.ts';
import { db } from '../../lib/db/client.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { makeCertificate } from '../support/certs.ts';

// The domain names this console to its peer (the HA commands' -d), so at every start it is the CN of the
// certificate actually served: an appliance whose certificate was uploaded before the CN became the
// domain, or whose database was restored from another appliance's backup, is brought back in line.
let appliance: ApplianceDb;
let dataDir: string;

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-boot-domain-'));
});
afterAll(async () => {
  await appliance.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the appliance domain at start-up', () => {
  it('becomes the CN of the served certificate when the two disagree, journaled and audited once', async () => {
    expect((await getApplianceOrThrow()).domain).toBe('otc-test.local');
    const served = makeCertificate({ subject: { CN: 'Console-B.Plant.example', O: 'Example Utility', OU: 'OT Security', C: 'DE' } });
    await writeTlsFiles(dataDir, served.keyPem, served.certPem);
    const config = loadConfig({ OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: '127.0.0.1' });

    const boot = await bootstrapAppliance(config);
    expect(boot.domain).toBe('console-b.plant.example');
    expect((await getApplianceOrThrow()).domain).toBe('console-b.plant.example');
    const changes = await db().auditEvent.findMany({ where: { action: 'appliance.domain-change' } });
    expect(changes.map((c) => c.details)).toEqual([expect.objectContaining({ from: 'otc-test.local', to: 'console-b.plant.example' })]);
    const journaled = await db().journal.findFirstOrThrow({ where: { entity: 'certificate' }, orderBy: { seq: 'desc' } });
    expect(journaled.payload).toMatchObject({ domain: 'console-b.plant.example' });

    // The next start finds them in agreement and writes nothing.
    const journalRows = await db().journal.count({ where: { entity: { not: 'audit' } } });
    const auditRows = await db().auditEvent.count();
    expect((await bootstrapAppliance(config)).domain).toBe('console-b.plant.example');
    expect(await db().journal.count({ where: { entity: { not: 'audit' } } })).toBe(journalRows);
    expect(await db().auditEvent.count()).toBe(auditRows);
  });
});
