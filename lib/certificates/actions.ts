'use server';

import { z } from 'zod';
import { reloadTls } from '../appliance/tls-reload.ts';
import { announceCertificate } from '../replication/announce.ts';
import { guardedAction } from '../auth/guard.ts';
import { loadConfig } from '../config/env.ts';
import { getLogger } from '../logs/logger.ts';
import { CERTIFICATE_FILE_MAX_BYTES, oversizedFileMessage } from './limits.ts';
import { installCertificate, recordCertificateRefusal } from './mutations.ts';
import { validateCertificateUpload, type ValidationResult } from './validate.ts';

const file = (label: string) =>
  z
    .instanceof(File, { message: `Choose the ${label}.` })
    .refine((f) => f.size > 0, `The ${label} is empty.`)
    .superRefine((f, ctx) => {
      if (f.size > CERTIFICATE_FILE_MAX_BYTES) ctx.addIssue({ code: 'custom', message: oversizedFileMessage(label, f.size) });
    });

const uploadSchema = z.object({
  certificate: file('certificate file (.crt)'),
  privateKey: file('private key file (.key)'),
  chain: file('chain file').optional(),
  passphrase: z.string().max(1024, 'The passphrase is longer than 1024 characters.').optional(),
});

// Each console has a certificate of its own: a standby console may replace its own too.
export const uploadCertificate = guardedAction('ADMIN', uploadSchema, async (input, user) => {
  const actor = { username: user.username, ip: user.ip };
  const upload = {
    certificate: Buffer.from(await input.certificate.arrayBuffer()),
    privateKey: Buffer.from(await input.privateKey.arrayBuffer()),
    chain: input.chain ? Buffer.from(await input.chain.arrayBuffer()) : undefined,
    passphrase: input.passphrase || undefined,
  };
  let result: ValidationResult;
  try {
    result = validateCertificateUpload(upload, new Date());
  } catch (error) {
    // The files are untrusted input parsed by OpenSSL: a shape no check above foresaw must still be a
    // refusal the admin can read, never an error page.
    getLogger('core').error({ err: (error as Error).message }, 'certificate upload could not be checked');
    result = {
      ok: false,
      code: 'UNREADABLE',
      message: 'The files could not be checked: check that the certificate (PEM or DER) and its private key (PEM) were chosen.',
    };
  }
  if (!result.ok) {
    await recordCertificateRefusal(actor, result.code, result.message);
    return result;
  }
  // A paired console pins the new certificate before this one serves it.
  const certificatePem = result.value.cert.toString();
  const announced = await announceCertificate(certificatePem, result.value.cert.fingerprint256);
  if (!announced.ok) {
    await recordCertificateRefusal(actor, announced.code, announced.message);
    return announced;
  }
  const { domain, previousDomain } = await installCertificate(loadConfig().dataDir, result.value, actor);
  const live = await reloadTls();
  getLogger('core').info({ fingerprint: result.value.cert.fingerprint256, domain, live }, 'HTTPS certificate installed');
  return {
    ok: true as const,
    data: {
      fingerprint: result.value.cert.fingerprint256,
      live,
      domain,
      previousDomain: previousDomain === domain ? null : previousDomain,
      warnings: result.value.warnings,
    },
  };
});
