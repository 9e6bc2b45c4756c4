import { Encrypter } from 'age-encryption';
import { z } from 'zod';

// Backups are encrypted to an age X25519 recipient (https://age-encryption.org/v1): "age1" and 58
// bech32 characters. Post-quantum (age1pq1…) and plugin recipients are refused because the age tool
// that Debian ships (1.1) cannot decrypt files made for them, and an archive only this console can
// open is no backup.
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export type RecipientCheck = { ok: true; recipient: string } | { ok: false; message: string };

export function checkRecipient(input: string): RecipientCheck {
  const text = input.trim();
  const refuse = (message: string): RecipientCheck => ({ ok: false, message });
  if (text === '') return refuse('Paste a recipient: the public key (age1…) that age-keygen printed for your identity.');
  if (/^AGE-SECRET-KEY-/i.test(text))
    return refuse(
      'That is an identity (a secret key), not a recipient. Keep it offline; paste its public key instead (age1…, printed by age-keygen -y <identity file>).',
    );
  // bech32 has no "1" in its alphabet: a second one marks the end of a longer prefix (age1pq1…, age1yubikey1…).
  if (/^age1[a-z0-9]*1/.test(text))
    return refuse(
      'Only X25519 recipients (age1 followed by 58 characters) are accepted: the age tool on Debian cannot open backups made for post-quantum or plugin recipients.',
    );
  if (/^(ssh-|ecdsa-)/.test(text)) return refuse('SSH keys are not accepted: paste an age recipient (age1…), as age-keygen prints it.');
  if (!X25519_RECIPIENT.test(text))
    return refuse('An age recipient is "age1" followed by 58 lowercase letters and digits (62 characters in all); this is not one.');
  try {
    new Encrypter().addRecipient(text);
  } catch {
    return refuse('This recipient has a typo: its checksum does not match. Copy it again from age-keygen’s output.');
  }
  return { ok: true, recipient: text };
}

// The form's input: one recipient, with checkRecipient's specific message when it is not one.
export const recipientInputSchema = z
  .object({
    recipient: z.string({ error: 'Paste a recipient (age1…).' }).transform((value, ctx) => {
      const checked = checkRecipient(value);
      if (checked.ok) return checked.recipient;
      ctx.addIssue({ code: 'custom', message: checked.message });
      return z.NEVER;
    }),
  })
  .strict();
