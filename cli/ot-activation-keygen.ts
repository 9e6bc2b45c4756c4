// Makes an Ed25519 vendor key pair for activation files: a test vendor for demos and operators. The
// public key is what a console's OTC_ACTIVATION_PUBLIC_KEY_FILE points at; the private key (mode 0600)
// is what ot-activation-issue signs with.
import { shortKeyId } from '../lib/activation/format.ts';
import { writeVendorKeyPair } from '../lib/activation/vendor-key.ts';
import { parseOptions, runOfflineCommand, UsageError } from '../lib/cli/run.ts';

await runOfflineCommand({
  name: 'ot-activation-keygen',
  usage: '--out-dir <dir>',
  summary:
    'Makes an Ed25519 vendor key pair for activation files in <dir> (refused if <dir> already holds one). A console trusts\nthe public key through OTC_ACTIVATION_PUBLIC_KEY_FILE; ot-activation-issue signs with the private key.',
  options: [['--out-dir <dir>', 'where to write vendor-public.pem and vendor-private.pem (the private key mode 0600)']],
  parse(args) {
    const dir = parseOptions(args, { 'out-dir': { type: 'string' } }).values['out-dir'];
    if (!dir) throw new UsageError(args.length ? 'missing --out-dir <dir>' : undefined);
    return dir;
  },
  async run(dir) {
    const keys = await writeVendorKeyPair(dir);
    process.stdout.write(
      [
        `Vendor key ${shortKeyId(keys.keyId)}… written.`,
        `  public key (set OTC_ACTIVATION_PUBLIC_KEY_FILE to it on the console): ${keys.publicKeyFile}`,
        `  private key (keep it secret; sign with: ot-activation-issue --private-key ...): ${keys.privateKeyFile}`,
        '',
      ].join('\n'),
    );
  },
});
