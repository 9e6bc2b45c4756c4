'use server';

import { z } from 'zod';
import { guardedAction } from '../auth/guard.ts';
import { applyTrustedHosts, type ApplyResult } from './apply.ts';
import { removeTrustedHost } from './mutations.ts';
import { pairWithSecondary } from './pair.ts';
import { pairInputSchema, trustedHostDomainSchema } from './schema.ts';

// System Settings → High Availability: the same services as the trusted-hosts commands, so the page and
// the command line can never disagree on what pairing checks or does.

export const pairSecondary = guardedAction('ADMIN', pairInputSchema, async (input, user) =>
  pairWithSecondary({
    host: input.connectionString.ip,
    port: input.connectionString.port,
    token: input.connectionString.token,
    confirmReplace: input.confirmReplace,
    actor: { username: user.username, ip: user.ip },
  }),
);

type AppliedView =
  | { ok: true; outcome: 'paired'; peer: string; alreadyApplied: boolean; appliedAt: string }
  | { ok: true; outcome: 'standalone'; wasPaired: boolean }
  | { ok: false; code: string; message: string };

const view = (result: ApplyResult): AppliedView =>
  result.ok && result.outcome === 'paired' ? { ...result, appliedAt: result.appliedAt.toISOString() } : result;

export const applyPair = guardedAction('ADMIN', z.object({}).strict(), async (_input, user) =>
  view(await applyTrustedHosts({ username: user.username, ip: user.ip })),
);

// The reference's unpairing, on this console: remove the trusted host, then apply (which makes this
// console standalone). The other console is unpaired the same way on its own side.
export const unpair = guardedAction('ADMIN', trustedHostDomainSchema, async (input, user) => {
  const actor = { username: user.username, ip: user.ip };
  const removed = await removeTrustedHost(input.domain, actor);
  if (!removed.ok) return { ok: false as const, code: removed.code, message: removed.message };
  return view(await applyTrustedHosts(actor));
});
