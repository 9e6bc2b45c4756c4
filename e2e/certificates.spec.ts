import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { expect, test, type Page } from '@playwright/test';
import { makeCertificate } from '../tests/support/certs.ts';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

function servedFingerprint(): Promise<string> {
  const url = new URL(state.baseURL);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate(true).raw).fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

function writeFiles(made: { certPem: string; keyPem: string }): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'otc-e2e-cert-'));
  writeFileSync(path.join(dir, 'console.crt'), made.certPem);
  writeFileSync(path.join(dir, 'console.key'), made.keyPem);
  return { cert: path.join(dir, 'console.crt'), key: path.join(dir, 'console.key') };
}

async function choose(page: Page, files: { cert: string; key: string }) {
  await page.getByLabel('Certificate (.crt, PEM or DER)').setInputFiles(files.cert);
  await page.getByLabel('Private key (.key, PEM)').setInputFiles(files.key);
}

test('an ECDSA certificate is refused with its reason on the page, not with the error page', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/certificates');
  const before = await servedFingerprint();

  await choose(page, writeFiles(makeCertificate({ key: { type: 'ec', curve: 'P-256' } })));
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/system-settings/certificates'));
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  expect((await answer).status()).toBe(200);
  await expect(pageAlert(page)).toHaveText(
    'The certificate uses an ECDSA P-256 key; this console needs an RSA key of at least 2048 bits, signed with SHA-256 with RSA. Ask your CA for an RSA certificate.',
  );
  // Still the certificates page, showing the certificate still served.
  await expect(page.getByRole('heading', { name: 'Upload a certificate' })).toBeVisible();
  await expect(page.getByTestId('current-certificate')).toContainText(before);
  expect(await servedFingerprint()).toBe(before);
});

test('a file too large to be a certificate is refused in the page without being sent', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/certificates');
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(r.url());
  });
  await page
    .getByLabel('Certificate (.crt, PEM or DER)')
    .setInputFiles({ name: 'huge.crt', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3 * 1024 * 1024, 'A') });
  await page.getByLabel('Private key (.key, PEM)').setInputFiles(writeFiles(makeCertificate()).key);
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(pageAlert(page)).toHaveText(
    'The certificate file (.crt) is 3.0 MB, larger than 64 KB; it cannot be a certificate, key or chain file. Check that you chose the right file.',
  );
  expect(posts).toEqual([]);
});

test('an invalid certificate is refused with its reason; a valid one without its chain is served at once, with a warning, and names the appliance', async ({
  page,
}) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/certificates');
  const before = await servedFingerprint();
  await expect(page.getByTestId('current-certificate')).toContainText(before);
  const oldDomain = (await page.getByTestId('current-certificate').locator('dd').first().textContent())!;

  await choose(page, writeFiles(makeCertificate({ digest: 'sha1' })));
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(pageAlert(page)).toHaveText(
    'The certificate is signed with sha1WithRSAEncryption; it must be SHA-256 with RSA (sha256WithRSAEncryption).',
  );
  expect(await servedFingerprint()).toBe(before);

  // Issued by the site's own root, which is not uploaded: accepted, with a warning.
  const host = new URL(state.baseURL).hostname;
  const root = makeCertificate({ subject: { CN: 'Plant Root CA', O: 'Example Utility', OU: 'PKI', C: 'DE' }, ca: true });
  const valid = makeCertificate({
    issuer: root,
    subject: { CN: 'console-e2e.plant.example', O: 'Example Utility', OU: 'OT Security', C: 'DE' },
    sanIps: [host],
  });
  await choose(page, writeFiles(valid));
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  const expected = new X509Certificate(valid.certPem).fingerprint256;
  await expect(page.getByRole('status')).toContainText(
    `Certificate installed and in use for new connections. Fingerprint ${expected}. The appliance domain is now console-e2e.plant.example (was ${oldDomain}).`,
  );
  await expect(page.getByTestId('certificate-warnings')).toContainText(
    'No chain was uploaded: clients must already trust "CN=Plant Root CA',
  );
  expect(await servedFingerprint()).toBe(expected);
  const current = page.getByTestId('current-certificate');
  await expect(current).toContainText('CN=console-e2e.plant.example');
  await expect(current).toContainText(expected);
  await expect(current.locator('dd').first()).toHaveText('console-e2e.plant.example');
});
