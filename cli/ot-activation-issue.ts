// The vendor's tool: writes a signed activation file (docs/activation-file-format.md) for a console
// that trusts the matching public key. Needs no console and no database.
import { readFile, writeFile } from 'node:fs/promises';
import { shortKeyId, signActivation, activationKeyId } from '../lib/activation/format.ts';
import { activationPayloadSchema, type ActivationPayload } from '../lib/activation/schema.ts';
import { parseOptions, runOfflineCommand, UsageError } from '../lib/cli/run.ts';
import { createPrivateKey } from 'node:crypto';

const OPTION_OF: Record<string, string> = {
  subscriptions: '--subscription',
  committedDevices: '--devices',
  issuedOn: '--issued',
  expiresOn: '--expires',
  customer: '--customer',
};

function parse(argv: string[]) {
  const args = parseOptions(argv, {
    'private-key': { type: 'string' },
    subscription: { type: 'string', multiple: true },
    devices: { type: 'string' },
    expires: { type: 'string' },
    issued: { type: 'string' },
    customer: { type: 'string' },
    out: { type: 'string' },
  });
  const v = args.values;
  const missing = (['private-key', 'subscription', 'devices', 'expires'] as const).filter((k) => v[k] === undefined);
  if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  if (!/^\d+$/.test(v.devices!))
    throw new UsageError(`--devices must be a whole number of devices, such as 500 (got "${v.devices}").`, false);
  const payload = activationPayloadSchema.safeParse({
    version: 1,
    subscriptions: v.subscription,
    committedDevices: Number(v.devices),
    issuedOn: v.issued ?? new Date().toISOString().slice(0, 10),
    expiresOn: v.expires,
    ...(v.customer !== undefined ? { customer: v.customer } : {}),
  });
  if (!payload.success) {
    const issue = payload.error.issues[0]!;
    throw new UsageError(`${OPTION_OF[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`, false);
  }
  return { privateKeyFile: v['private-key']!, out: v.out, payload: payload.data as ActivationPayload };
}

async function run({ privateKeyFile, out, payload }: ReturnType<typeof parse>): Promise<void> {
  let pem: string;
  try {
    pem = await readFile(privateKeyFile, 'utf8');
  } catch {
    throw new Error(`cannot read the private key file ${privateKeyFile}.`);
  }
  const text = signActivation(payload, pem);
  if (!out) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(out, text, { mode: 0o644 });
  } catch (error) {
    throw new Error(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const keyId = activationKeyId(createPrivateKey(pem));
  process.stdout.write(
    `Wrote ${out}: ${payload.subscriptions.join(', ')}; ${payload.committedDevices} committed devices; issued ${payload.issuedOn}, expires ${payload.expiresOn}; vendor key ${shortKeyId(keyId)}…\n`,
  );
}

await runOfflineCommand({
  name: 'ot-activation-issue',
  usage:
    '--private-key <pem file> --subscription <id> [--subscription <id2> ...] --devices <n> --expires <YYYY-MM-DD> [--issued <YYYY-MM-DD>] [--customer <name>] [--out <file>]',
  summary:
    "The vendor's tool: writes an activation file signed with the vendor's private key (docs/activation-file-format.md),\nto standard output or --out. Needs no console.",
  options: [
    ['--private-key <pem file>', 'the vendor private key (from ot-activation-keygen)'],
    ['--subscription <id>', 'a subscription the file grants (repeat for several)'],
    ['--devices <n>', 'committed devices'],
    ['--expires <YYYY-MM-DD>', 'last day of validity'],
    ['--issued <YYYY-MM-DD>', 'issue date (default: today, UTC)'],
    ['--customer <name>', 'customer name shown on the Activation page'],
    ['--out <file>', 'write the file here and print a summary (default: the file on standard output)'],
  ],
  parse,
  run,
});
