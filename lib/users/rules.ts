import { ROLE_LABELS, type Role } from '../auth/roles.ts';

// The rules that keep an appliance administrable: someone must always be able to sign in as an Admin,
// and an Admin cannot lock themselves out by accident. Pure, so both the mutations (inside their
// transaction, with a locked Admin count) and the unit tests use the very same decision.

export type UserRuleRefusal = {
  ok: false;
  code: 'SELF_DELETE' | 'SELF_ROLE_CHANGE' | 'LAST_ADMIN' | 'SAME_ROLE';
  message: string;
};

type Account = { username: string; role: Role };

export function canDeleteUser(actor: { username: string }, target: Account, adminCount: number): UserRuleRefusal | null {
  if (target.username === actor.username) {
    return { ok: false, code: 'SELF_DELETE', message: 'You cannot delete your own account. Ask another Admin to do it.' };
  }
  if (target.role === 'ADMIN' && adminCount <= 1) {
    return {
      ok: false,
      code: 'LAST_ADMIN',
      message: `"${target.username}" is the last Admin and cannot be deleted. Give another user the Admin role first.`,
    };
  }
  return null;
}

export function canChangeRole(actor: { username: string }, target: Account, newRole: Role, adminCount: number): UserRuleRefusal | null {
  if (target.username === actor.username) {
    return { ok: false, code: 'SELF_ROLE_CHANGE', message: 'You cannot change your own role. Ask another Admin to do it.' };
  }
  if (target.role === newRole) {
    return { ok: false, code: 'SAME_ROLE', message: `"${target.username}" already has the ${ROLE_LABELS[newRole]} role.` };
  }
  if (target.role === 'ADMIN' && adminCount <= 1) {
    return {
      ok: false,
      code: 'LAST_ADMIN',
      message: `"${target.username}" is the last Admin and must keep the Admin role. Give another user the Admin role first.`,
    };
  }
  return null;
}
