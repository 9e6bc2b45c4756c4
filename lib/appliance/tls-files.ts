import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

// The appliance's HTTPS key and certificate live in its data directory (key readable by root only).
export function tlsPaths(dataDir: string) {
  const dir = path.join(/*turbopackIgnore: true*/ dataDir, 'tls');
  return { dir, key: path.join(/*turbopackIgnore: true*/ dir, 'appliance.key'), cert: path.join(/*turbopackIgnore: true*/ dir, 'appliance.crt') };
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

export async function writeTlsFiles(dataDir: string, keyPem: string, certPem: string): Promise<void> {
  const p = tlsPaths(dataDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await writeFile(p.key, keyPem, { mode: 0o600 });
  await writeFile(p.cert, certPem, { mode: 0o644 });
}
