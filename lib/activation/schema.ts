import { z } from 'zod';

// Browser-safe: the upload form imports the size limit and its message from here, so the client
// refuses an oversized file with the very words the server would use.

export const ACTIVATION_FORMAT = 'otc-activation/1';
export const ACTIVATION_PAYLOAD_VERSION = 1;
export const ACTIVATION_MAX_BYTES = 1024 * 1024;

export function oversizedMessage(bytes: number): string {
  const mb = (bytes / (1024 * 1024)).toFixed(1);
  return `The activation file is ${mb} MB; an activation file is at most 1 MB. Check that you chose the file the vendor sent.`;
}

// A calendar date (UTC). Issue and expiry are whole days: the file is valid from 00:00 UTC on its
// issue date until 00:00 UTC on its expiry date.
const isoDate = z.iso.date('Use a date in the form YYYY-MM-DD.');

export const subscriptionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'A subscription id is 1–64 letters, digits, ".", "_", ":" or "-".');

// What the vendor signs. The console stores the file text and re-verifies it on the secondary, so the
// payload is kept small and flat.
export const activationPayloadSchema = z
  .object({
    version: z.literal(ACTIVATION_PAYLOAD_VERSION, `Only payload version ${ACTIVATION_PAYLOAD_VERSION} is supported.`),
    subscriptions: z.array(subscriptionIdSchema).min(1, 'At least one subscription id is needed.').max(50, 'At most 50 subscription ids.'),
    committedDevices: z
      .number()
      .int('Committed devices must be a whole number.')
      .min(1, 'Committed devices must be at least 1.')
      .max(1_000_000, 'Committed devices can be at most 1,000,000.'),
    issuedOn: isoDate,
    expiresOn: isoDate,
    customer: z.string().trim().min(1).max(200, 'The customer name can be at most 200 characters.').optional(),
  })
  .strict()
  .refine((p) => p.expiresOn > p.issuedOn, { message: 'The expiry date must be after the issue date.', path: ['expiresOn'] });
export type ActivationPayload = z.infer<typeof activationPayloadSchema>;

// The file itself: the payload travels as base64 and the signature covers exactly those base64
// characters, so verification never depends on how anyone re-serialises JSON.
export const activationEnvelopeSchema = z.object({
  format: z.string(),
  keyId: z.string().regex(/^[0-9a-f]{64}$/, 'keyId must be 64 lowercase hex digits.'),
  payload: z.base64('payload must be base64.').min(1),
  signature: z.base64('signature must be base64.').min(1),
});
export type ActivationEnvelope = z.infer<typeof activationEnvelopeSchema>;

export const uploadActivationSchema = z.object({ file: z.instanceof(File, { message: 'Choose an activation file to upload.' }) });
