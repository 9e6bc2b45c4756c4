import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { expect, test } from '@playwright/test';
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

test('an invalid certificate is refused with its reason; a valid one is served at once without a restart', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/certificates');
  const before = await servedFingerprint();
  await expect(page.getByTestId('current-certificate')).toContainText(before);

  const sha1 = writeFiles(makeCertificate({ digest: 'sha1' }));
  await page.getByLabel('Certificate (.crt, PEM or DER)').setInputFiles(sha1.cert);
  await page.getByLabel('Private key (.key, PEM)').setInputFiles(sha1.key);
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(pageAlert(page)).toHaveText(
    'The certificate is signed with sha1WithRSAEncryption; it must be SHA-256 with RSA (sha256WithRSAEncryption).',
  );
  expect(await servedFingerprint()).toBe(before);

  const host = new URL(state.baseURL).hostname;
  const valid = makeCertificate({
    subject: { CN: 'console-e2e.plant.example', O: 'Example Utility', OU: 'OT Security', C: 'DE' },
    sanIps: [host],
  });
  const files = writeFiles(valid);
  await page.getByLabel('Certificate (.crt, PEM or DER)').setInputFiles(files.cert);
  await page.getByLabel('Private key (.key, PEM)').setInputFiles(files.key);
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  const expected = new X509Certificate(valid.certPem).fingerprint256;
  await expect(page.getByRole('status')).toContainText(`Certificate installed and in use for new connections. Fingerprint ${expected}.`);
  expect(await servedFingerprint()).toBe(expected);
  await expect(page.getByTestId('current-certificate')).toContainText('CN=console-e2e.plant.example');
  await expect(page.getByTestId('current-certificate')).toContainText(expected);
});
