import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ApplianceConfig } from '../config/env.ts';
import { generatePassword } from '../auth/password-policy.ts';
import { createApplianceCertificate } from '../pki/self-signed.ts';
import { getAppliance } from '../appliance/data.ts';
import { initialiseAppliance, recordSoftwareVersion } from '../appliance/mutations.ts';
import { hasTlsFiles, readTlsFiles, writeTlsFiles } from '../appliance/tls-files.ts';
import { getCertificateRecord } from '../certificates/data.ts';
import { canonicalDomain, domainNameProblem } from '../certificates/domain-name.ts';
import { recordCertificate } from '../certificates/mutations.ts';
import { SOFTWARE_VERSION } from '../appliance/version.ts';

export const INITIAL_ADMIN = 'admin';

export type BootResult = {
  domain: string;
  applianceId: string;
  // Present on first boot only; the clear password exists nowhere else.
  initialAdmin: { username: string; password: string } | null;
};

// Identity that must exist before the console serves anything: the appliance row and first Admin,
// the TLS key and certificate, and the secret that signs session cookies.
export async function bootstrapAppliance(config: ApplianceConfig): Promise<BootResult> {
  let appliance = await getAppliance();
  let initialAdmin: BootResult['initialAdmin'] = null;
  if (!appliance) {
    const applianceId = randomUUID();
    const domain = config.domain ?? `otc-${applianceId.slice(0, 8)}.local`;
    const password = generatePassword();
    await initialiseAppliance({
      applianceId,
      domain,
      model: config.model,
      softwareVersion: SOFTWARE_VERSION,
      adminUsername: INITIAL_ADMIN,
      adminPassword: password,
    });
    initialAdmin = { username: INITIAL_ADMIN, password };
    appliance = (await getAppliance())!;
  } else if (appliance.softwareVersion !== SOFTWARE_VERSION) {
    await recordSoftwareVersion(SOFTWARE_VERSION);
  }

  if (!hasTlsFiles(config.dataDir)) {
    const ips = [
      ...new Set([
        config.publicAddress,
        ...(config.bindAddress.includes(':') || config.bindAddress === '0.0.0.0' ? [] : [config.bindAddress]),
      ]),
    ];
    const { keyPem, certPem } = await createApplianceCertificate({ domain: appliance.domain, ips, hostnames: [hostname()] });
    await writeTlsFiles(config.dataDir, keyPem, certPem);
  }
  // The record and the domain follow the files the server presents: first boot, a restored backup whose
  // rows describe another appliance's certificate, or a certificate uploaded before the CN became the
  // domain. The domain is what the high-availability commands name, so it must be the certificate's.
  const record = await getCertificateRecord();
  const served = new X509Certificate((await readTlsFiles(config.dataDir)).cert);
  const cn = /^CN=(.+)$/m.exec(served.subject)?.[1];
  const servedDomain = cn && !domainNameProblem(cn) ? canonicalDomain(cn) : appliance.domain;
  if (!record || record.fingerprint !== served.fingerprint256 || servedDomain !== appliance.domain) {
    const recorded = await recordCertificate(
      served,
      record?.source === 'uploaded' ? 'uploaded' : 'generated',
      { username: 'system' },
      {
        domain: servedDomain,
      },
    );
    return { domain: recorded.domain, applianceId: appliance.applianceId, initialAdmin };
  }
  return { domain: appliance.domain, applianceId: appliance.applianceId, initialAdmin };
}

// next-auth's signing secret: generated once per appliance and kept in its data directory.
export async function loadAuthSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'auth-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
