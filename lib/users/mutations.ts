import { recordAudit } from '../audit/mutations.ts';
import { checkPassword } from '../auth/password-policy.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { db, type Tx } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { NewUser } from './schema.ts';

export type Actor = { username: string; ip?: string };

export type UserMutationResult = { ok: true; id: string } | { ok: false; code: string; message: string };

// What a paired console needs to recreate the account, the hash included, so users sign in there with
// the same credentials.
function journalPayload(user: { id: string; username: string; role: string; passwordHash: string; passwordChangedAt: Date }) {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    passwordHash: user.passwordHash,
    passwordChangedAt: user.passwordChangedAt.toISOString(),
  };
}

export async function createUser(input: NewUser, actor: Actor): Promise<UserMutationResult> {
  const problem = checkPassword(input.password, input.username);
  if (problem) return { ok: false, code: 'WEAK_PASSWORD', message: problem };
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { username: input.username }, select: { id: true } });
    if (existing) return { ok: false as const, code: 'USERNAME_TAKEN', message: `A user named "${input.username}" already exists.` };
    const user = await tx.user.create({
      data: { username: input.username, role: input.role, passwordHash },
      omit: { passwordHash: false },
    });
    await appendJournal(tx, { entity: 'user', key: user.username, op: 'upsert', payload: journalPayload(user) });
    await recordAudit({ actor: actor.username, ip: actor.ip, action: 'user.create', outcome: 'success', target: user.username, details: { role: user.role } }, tx);
    return { ok: true as const, id: user.id };
  });
}

// Sets a new password and clears any lockout: used by an Admin's reset and the reset CLI.
export async function setPassword(
  username: string,
  password: string,
  actor: Actor,
  action: 'user.password-reset' | 'user.password-change' = 'user.password-reset',
): Promise<UserMutationResult> {
  const problem = checkPassword(password, username);
  if (problem) return { ok: false, code: 'WEAK_PASSWORD', message: problem };
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx: Tx) => {
    const existing = await tx.user.findUnique({ where: { username }, select: { id: true } });
    if (!existing) return { ok: false as const, code: 'UNKNOWN_USER', message: `There is no user named "${username}".` };
    const user = await tx.user.update({
      where: { username },
      data: { passwordHash, passwordChangedAt: new Date(), failedAttempts: 0, lockedUntil: null },
      omit: { passwordHash: false },
    });
    await appendJournal(tx, { entity: 'user', key: user.username, op: 'upsert', payload: journalPayload(user) });
    await recordAudit({ actor: actor.username, ip: actor.ip, action, outcome: 'success', target: username }, tx);
    return { ok: true as const, id: user.id };
  });
}
