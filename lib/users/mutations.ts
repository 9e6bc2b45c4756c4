import type { Actor } from '../audit/actor.ts';
import { recordAudit } from '../audit/mutations.ts';
import { checkPassword } from '../auth/password-policy.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { db, type Tx } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Role } from '../auth/roles.ts';
import { canChangeRole, canDeleteUser, type UserRuleRefusal } from './rules.ts';
import type { NewUser } from './schema.ts';

export type UserMutationResult = { ok: true; id: string } | { ok: false; code: string; message: string };
export type SetPasswordResult = { ok: true; id: string; sessionVersion: number } | { ok: false; code: string; message: string };

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
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'user.create',
        outcome: 'success',
        target: user.username,
        details: { role: user.role },
      },
      tx,
    );
    return { ok: true as const, id: user.id };
  });
}

// Sets a new password, clears any lockout and ends the user's sessions (at their next request): used by
// an Admin's reset, the reset CLI and users changing their own password (whose current session is then
// re-issued by the action).
export async function setPassword(
  username: string,
  password: string,
  actor: Actor,
  action: 'user.password-reset' | 'user.password-change' = 'user.password-reset',
): Promise<SetPasswordResult> {
  const problem = checkPassword(password, username);
  if (problem) return { ok: false, code: 'WEAK_PASSWORD', message: problem };
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx: Tx) => {
    const existing = await tx.user.findUnique({ where: { username }, select: { id: true } });
    if (!existing) return { ok: false as const, code: 'UNKNOWN_USER', message: `There is no user named "${username}".` };
    const user = await tx.user.update({
      where: { username },
      data: { passwordHash, passwordChangedAt: new Date(), failedAttempts: 0, lockedUntil: null, sessionVersion: { increment: 1 } },
      omit: { passwordHash: false },
    });
    await appendJournal(tx, { entity: 'user', key: user.username, op: 'upsert', payload: journalPayload(user) });
    await recordAudit({ actor: actor.username, ip: actor.ip, action, outcome: 'success', target: username }, tx);
    return { ok: true as const, id: user.id, sessionVersion: user.sessionVersion };
  });
}

type Refusal = { ok: false; code: string; message: string };

function unknownUser(username: string): Refusal {
  return { ok: false, code: 'UNKNOWN_USER', message: `There is no user named "${username}". It may have been deleted: reload the page.` };
}

// Locks every Admin row and the target's row (in id order, so concurrent callers queue rather than
// deadlock) and returns the target and the number of Admins. Two Admins demoting or deleting each other
// at the same moment therefore cannot both succeed: the second sees the first's commit.
async function lockForAdminRule(tx: Tx, username: string) {
  const rows = await tx.$queryRaw<{ username: string; role: Role }[]>`
    SELECT username, role::text AS role FROM "user" WHERE role = 'ADMIN' OR username = ${username} ORDER BY id FOR UPDATE`;
  return { target: rows.find((r) => r.username === username) ?? null, adminCount: rows.filter((r) => r.role === 'ADMIN').length };
}

export type RoleChangeResult = { ok: true; from: Role; to: Role } | UserRuleRefusal | Refusal;

export async function changeUserRole(username: string, role: Role, actor: Actor): Promise<RoleChangeResult> {
  return db().$transaction(async (tx) => {
    const { target, adminCount } = await lockForAdminRule(tx, username);
    if (!target) return unknownUser(username);
    const refusal = canChangeRole(actor, target, role, adminCount);
    if (refusal) return refusal;
    // A session signed in under the old role ends: its holder signs in again and sees what the new role allows.
    const user = await tx.user.update({
      where: { username },
      data: { role, sessionVersion: { increment: 1 } },
      omit: { passwordHash: false },
    });
    await appendJournal(tx, { entity: 'user', key: user.username, op: 'upsert', payload: journalPayload(user) });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'user.role-change',
        outcome: 'success',
        target: username,
        details: { from: target.role, to: role },
      },
      tx,
    );
    return { ok: true as const, from: target.role, to: role };
  });
}

export type DeleteUserResult = { ok: true } | UserRuleRefusal | Refusal;

export async function deleteUser(username: string, actor: Actor): Promise<DeleteUserResult> {
  return db().$transaction(async (tx) => {
    const { target, adminCount } = await lockForAdminRule(tx, username);
    if (!target) return unknownUser(username);
    const refusal = canDeleteUser(actor, target, adminCount);
    if (refusal) return refusal;
    const user = await tx.user.delete({ where: { username }, select: { id: true, username: true, role: true } });
    // The peer deletes by key; id and role say what was removed.
    await appendJournal(tx, {
      entity: 'user',
      key: user.username,
      op: 'delete',
      payload: { id: user.id, username: user.username, role: user.role },
    });
    await recordAudit(
      { actor: actor.username, ip: actor.ip, action: 'user.delete', outcome: 'success', target: username, details: { role: user.role } },
      tx,
    );
    return { ok: true as const };
  });
}
