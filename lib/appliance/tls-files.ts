import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

// The appliance's HTTPS key and certificate live in its data directory (key readable by root only).
export function tlsPaths(dataDir: string) {
  const dir = path.join(/*turbopackIgnore: true*/ dataDir, 'tls');
  return {
    dir,
    key: path.join(/*turbopackIgnore: true*/ dir, 'appliance.key'),
    cert: path.join(/*turbopackIgnore: true*/ dir, 'appliance.crt'),
  };
}

export function hasTlsFiles(dataDir: string): boolean {
  const p = tlsPaths(dataDir);
  return existsSync(p.key) && existsSync(p.cert);
}

export async function readTlsFiles(dataDir: string): Promise<{ key: string; cert: string }> {
  const p = tlsPaths(dataDir);
  const [key, cert] = await Promise.all([readFile(p.key, 'utf8'), readFile(p.cert, 'utf8')]);
  return { key, cert };
}

// Each file is replaced by a rename, so the server never reads half a key or a key without its certificate
// for long (the key goes first: a reload between the two renames fails and keeps the old context).
export async function writeTlsFiles(dataDir: string, keyPem: string, certPem: string): Promise<void> {
  const p = tlsPaths(dataDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await writeFile(`${p.key}.new`, keyPem, { mode: 0o600 });
  await writeFile(`${p.cert}.new`, certPem, { mode: 0o644 });
  await rename(`${p.key}.new`, p.key);
  await rename(`${p.cert}.new`, p.cert);
}
