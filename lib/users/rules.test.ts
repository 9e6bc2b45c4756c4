import { describe, expect, it } from 'vitest';
import { canChangeRole, canDeleteUser } from './rules.ts';

const admin = { username: 'admin' };

describe('canDeleteUser', () => {
  it('refuses deleting yourself, even when other Admins remain', () => {
    expect(canDeleteUser(admin, { username: 'admin', role: 'ADMIN' }, 3)).toMatchObject({
      ok: false,
      code: 'SELF_DELETE',
      message: expect.stringMatching(/your own account/),
    });
  });

  it('refuses deleting the last Admin', () => {
    expect(canDeleteUser(admin, { username: 'other', role: 'ADMIN' }, 1)).toMatchObject({
      code: 'LAST_ADMIN',
      message: expect.stringMatching(/"other" is the last Admin/),
    });
  });

  it('allows deleting an Admin when another remains, and any non-Admin', () => {
    expect(canDeleteUser(admin, { username: 'other', role: 'ADMIN' }, 2)).toBeNull();
    expect(canDeleteUser(admin, { username: 'analyst', role: 'SECURITY_ANALYST' }, 1)).toBeNull();
    expect(canDeleteUser(admin, { username: 'viewer', role: 'READ_ONLY' }, 1)).toBeNull();
  });
});

describe('canChangeRole', () => {
  it('refuses changing your own role, in either direction', () => {
    expect(canChangeRole(admin, { username: 'admin', role: 'ADMIN' }, 'READ_ONLY', 5)).toMatchObject({
      code: 'SELF_ROLE_CHANGE',
      message: expect.stringMatching(/your own role/),
    });
    expect(canChangeRole({ username: 'x' }, { username: 'x', role: 'READ_ONLY' }, 'ADMIN', 5)).toMatchObject({ code: 'SELF_ROLE_CHANGE' });
  });

  it('refuses demoting the last Admin', () => {
    for (const role of ['SECURITY_ANALYST', 'READ_ONLY'] as const) {
      expect(canChangeRole(admin, { username: 'other', role: 'ADMIN' }, role, 1)).toMatchObject({
        code: 'LAST_ADMIN',
        message: expect.stringMatching(/must keep the Admin role/),
      });
    }
  });

  it('refuses a change to the role the user already has', () => {
    expect(canChangeRole(admin, { username: 'viewer', role: 'READ_ONLY' }, 'READ_ONLY', 1)).toMatchObject({
      code: 'SAME_ROLE',
      message: '"viewer" already has the Read Only role.',
    });
  });

  it('allows promoting anyone, and demoting an Admin when another remains', () => {
    expect(canChangeRole(admin, { username: 'viewer', role: 'READ_ONLY' }, 'ADMIN', 1)).toBeNull();
    expect(canChangeRole(admin, { username: 'analyst', role: 'SECURITY_ANALYST' }, 'READ_ONLY', 1)).toBeNull();
    expect(canChangeRole(admin, { username: 'other', role: 'ADMIN' }, 'READ_ONLY', 2)).toBeNull();
  });
});
