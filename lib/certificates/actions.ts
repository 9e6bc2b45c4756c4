'use server';

import { z } from 'zod';
import { reloadTls } from '../appliance/tls-reload.ts';
import { guardedAction } from '../auth/guard.ts';
import { loadConfig } from '../config/env.ts';
import { getLogger } from '../logs/logger.ts';
import { installCertificate, recordCertificateRefusal } from './mutations.ts';
import { validateCertificateUpload } from './validate.ts';

const MAX_FILE_BYTES = 64 * 1024;
const file = (label: string) =>
  z
    .instanceof(File, { message: `Choose the ${label}.` })
    .refine((f) => f.size > 0, `The ${label} is empty.`)
    .refine((f) => f.size <= MAX_FILE_BYTES, `The ${label} is larger than 64 KB; it cannot be a certificate file.`);

const uploadSchema = z.object({
  certificate: file('certificate file (.crt)'),
  privateKey: file('private key file (.key)'),
  chain: file('chain file').optional(),
  passphrase: z.string().max(1024).optional(),
});

export const uploadCertificate = guardedAction('ADMIN', uploadSchema, async (input, user) => {
  const actor = { username: user.username, ip: user.ip };
  const result = validateCertificateUpload(
    {
      certificate: Buffer.from(await input.certificate.arrayBuffer()),
      privateKey: Buffer.from(await input.privateKey.arrayBuffer()),
      chain: input.chain ? Buffer.from(await input.chain.arrayBuffer()) : undefined,
      passphrase: input.passphrase || undefined,
    },
    new Date(),
  );
  if (!result.ok) {
    await recordCertificateRefusal(actor, result.code, result.message);
    return result;
  }
  await installCertificate(loadConfig().dataDir, result.value, actor);
  const live = await reloadTls();
  getLogger('core').info({ fingerprint: result.value.cert.fingerprint256, live }, 'HTTPS certificate installed');
  return { ok: true as const, data: { fingerprint: result.value.cert.fingerprint256, live } };
});
