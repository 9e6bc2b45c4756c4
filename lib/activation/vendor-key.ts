import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type ApplianceConfig } from '../config/env.ts';
import { activationKeyId, parseVendorPublicKey } from './format.ts';
import type { KeyObject } from 'node:crypto';

export type VendorKey =
  { ok: true; key: KeyObject; keyId: string; file: string } | { ok: false; code: 'NO_VENDOR_KEY' | 'VENDOR_KEY_UNUSABLE'; message: string };

// The vendor public key this console trusts, read at each upload so that replacing the file takes
// effect without a restart.
export async function loadVendorPublicKey(config: ApplianceConfig = loadConfig()): Promise<VendorKey> {
  const file = config.activationPublicKeyFile;
  if (!file) {
    return {
      ok: false,
      code: 'NO_VENDOR_KEY',
      message:
        'This console cannot verify activation files: no vendor public key is configured. Set OTC_ACTIVATION_PUBLIC_KEY_FILE to the vendor public key (PEM) and restart the console.',
    };
  }
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : 'the file cannot be read';
    return {
      ok: false,
      code: 'VENDOR_KEY_UNUSABLE',
      message: `The vendor public key in OTC_ACTIVATION_PUBLIC_KEY_FILE (${file}) cannot be used: ${reason}.`,
    };
  }
  const parsed = parseVendorPublicKey(pem);
  if (!parsed.ok)
    return {
      ok: false,
      code: 'VENDOR_KEY_UNUSABLE',
      message: `The vendor public key in OTC_ACTIVATION_PUBLIC_KEY_FILE (${file}) cannot be used: ${parsed.message}.`,
    };
  return { ok: true, key: parsed.key, keyId: parsed.keyId, file };
}

export type VendorKeyFiles = { publicKeyFile: string; privateKeyFile: string; keyId: string };

export const VENDOR_PUBLIC_KEY_FILE = 'vendor-public.pem';
export const VENDOR_PRIVATE_KEY_FILE = 'vendor-private.pem';

// A new Ed25519 vendor key pair in `dir`: for demos, tests and an operator's own test vendor. Refuses to
// replace an existing private key (files issued with it would stop verifying).
export async function writeVendorKeyPair(dir: string): Promise<VendorKeyFiles> {
  const privateKeyFile = path.join(dir, VENDOR_PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, VENDOR_PUBLIC_KEY_FILE);
  if (existsSync(privateKeyFile) || existsSync(publicKeyFile))
    throw new Error(`${dir} already holds a vendor key; choose another directory.`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  await writeFile(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  // The mode given to writeFile is filtered by the umask; the private key must end up 0600 whatever it is.
  await chmod(privateKeyFile, 0o600);
  await writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { publicKeyFile, privateKeyFile, keyId: activationKeyId(publicKey) };
}

// The demo's vendor key: made on the first run, reused after.
export async function ensureVendorKeyPair(dir: string): Promise<VendorKeyFiles & { created: boolean }> {
  const privateKeyFile = path.join(dir, VENDOR_PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, VENDOR_PUBLIC_KEY_FILE);
  if (existsSync(privateKeyFile) && existsSync(publicKeyFile)) {
    const parsed = parseVendorPublicKey(await readFile(publicKeyFile, 'utf8'));
    if (!parsed.ok) throw new Error(`${publicKeyFile}: ${parsed.message}`);
    return { publicKeyFile, privateKeyFile, keyId: parsed.keyId, created: false };
  }
  return { ...(await writeVendorKeyPair(dir)), created: true };
}
