#!/usr/bin/env -S node_modules/.bin/tsx
// Makes an Ed25519 vendor key pair for activation files: a test vendor for demos and operators. The
// public key is what a console's OTC_ACTIVATION_PUBLIC_KEY_FILE points at; the private key (mode 0600)
// is what ot-activation-issue signs with.
import { parseArgs } from 'node:util';
import { shortKeyId } from '../lib/activation/format.ts';
import { writeVendorKeyPair } from '../lib/activation/vendor-key.ts';
import { runOfflineCommand, UsageError } from '../lib/cli/run.ts';

const COMMAND = 'ot-activation-keygen';
const USAGE = `usage: ${COMMAND} --out-dir <dir>`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { 'out-dir': { type: 'string' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const dir = args.values['out-dir'];
  if (!dir) throw new UsageError(USAGE);
  const keys = await writeVendorKeyPair(dir);
  process.stdout.write(
    [
      `Vendor key ${shortKeyId(keys.keyId)}… written.`,
      `  public key (set OTC_ACTIVATION_PUBLIC_KEY_FILE to it on the console): ${keys.publicKeyFile}`,
      `  private key (keep it secret; sign with: ot-activation-issue --private-key ...): ${keys.privateKeyFile}`,
      '',
    ].join('\n'),
  );
}

await runOfflineCommand(COMMAND, main);
