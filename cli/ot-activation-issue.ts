#!/usr/bin/env -S node_modules/.bin/tsx
// The vendor's tool: writes a signed activation file (docs/activation-file-format.md) for a console
// that trusts the matching public key. Needs no console and no database.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { shortKeyId, signActivation, activationKeyId } from '../lib/activation/format.ts';
import { activationPayloadSchema, type ActivationPayload } from '../lib/activation/schema.ts';
import { runOfflineCommand, UsageError } from '../lib/cli/run.ts';
import { createPrivateKey } from 'node:crypto';

const COMMAND = 'ot-activation-issue';
const USAGE = `usage: ${COMMAND} --private-key <pem file> --subscription <id> [--subscription <id2> ...] --devices <n> --expires <YYYY-MM-DD> [--issued <YYYY-MM-DD>] [--customer <name>] [--out <file>]`;
const OPTION_OF: Record<string, string> = {
  subscriptions: '--subscription',
  committedDevices: '--devices',
  issuedOn: '--issued',
  expiresOn: '--expires',
  customer: '--customer',
};

function parse() {
  let args;
  try {
    args = parseArgs({
      options: {
        'private-key': { type: 'string' },
        subscription: { type: 'string', multiple: true },
        devices: { type: 'string' },
        expires: { type: 'string' },
        issued: { type: 'string' },
        customer: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const v = args.values;
  const missing = (['private-key', 'subscription', 'devices', 'expires'] as const).filter((k) => v[k] === undefined);
  if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}\n${USAGE}`);
  if (!/^\d+$/.test(v.devices!)) throw new UsageError(`--devices must be a whole number of devices, such as 500 (got "${v.devices}").`);
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
    throw new UsageError(`${OPTION_OF[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
  }
  return { privateKeyFile: v['private-key']!, out: v.out, payload: payload.data as ActivationPayload };
}

async function main(): Promise<void> {
  const { privateKeyFile, out, payload } = parse();
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

await runOfflineCommand(COMMAND, main);
