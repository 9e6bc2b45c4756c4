'use server';

import { z } from 'zod';
import { recordAudit } from '../audit/mutations.ts';
import { guardedAction, guardedWrite } from '../auth/guard.ts';
import { saveChangedSettings } from '../settings/save-changed.ts';
import { consoleNameSchema } from '../settings/schema.ts';
import { loadConnectionString, loadMaskedConnectionString } from './connection.ts';
import { regenerateConnectionToken } from './mutations.ts';

const disclosureSchema = z.object({ purpose: z.enum(['reveal', 'copy'], 'Say whether the string is revealed or copied.') }).strict();

// The token is a shared secret: every time it reaches a browser is an audit event. The event names the
// token by when it was issued, never by its value, so the audit trail holds nothing worth stealing.
// A read, so a console that is not active still answers it: the audit event is this console's own record
// of who saw its token, like the sign-in counters, and nothing is journaled.
export const revealConnectionString = guardedAction('ADMIN', disclosureSchema, async (input, user) => {
  const [connectionString, masked] = await Promise.all([loadConnectionString(), loadMaskedConnectionString()]);
  await recordAudit({
    actor: user.username,
    ip: user.ip,
    action: input.purpose === 'copy' ? 'connection-string.copy' : 'connection-string.reveal',
    outcome: 'success',
    target: 'connection-string',
    details: { tokenIssuedAt: masked.rotatedAt },
  });
  return { ok: true as const, data: { connectionString } };
});

export const regenerateConnectionString = guardedWrite(
  'ADMIN',
  z.object({ confirm: z.literal(true, 'Confirm that sensors and peers using the old string will be disconnected.') }).strict(),
  async (_input, user) => {
    await regenerateConnectionToken({ username: user.username, ip: user.ip });
    return { ok: true as const, data: { connectionString: await loadConnectionString() } };
  },
);

// Empty means "show the appliance domain" (loadConsoleFrame in ./loaders.ts).
export const updateConsoleName = guardedWrite('ADMIN', z.object({ name: consoleNameSchema }).strict(), async (input, user) =>
  saveChangedSettings({ 'console.name': input.name }, { username: user.username, ip: user.ip }),
);
