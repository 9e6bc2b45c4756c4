'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { removeUser, resetUserPassword, updateUserRole } from '@/lib/users/actions';
import { ROLE_LABELS, type Role } from '@/lib/auth/roles';
import { Alert } from '../ui/Alert';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { CreateUserForm } from './CreateUserForm';
import { OneTimePassword } from './OneTimePassword';
import { UsersTable, type UserRowView } from './UsersTable';

type Status = { tone: 'error' | 'success'; text: string };
type Pending = { kind: 'reset' | 'delete'; username: string };

export function UsersSection({ users, currentUsername, policy }: { users: UserRowView[]; currentUsername: string; policy: string }) {
  const router = useRouter();
  const [status, setStatus] = useState<Status | null>(null);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const [confirming, setConfirming] = useState<Pending | null>(null);
  const [busy, startTransition] = useTransition();

  const changeRole = (username: string, role: Role) =>
    startTransition(async () => {
      const result = await updateUserRole({ username, role });
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setStatus({ tone: 'success', text: `${username} now has the ${ROLE_LABELS[role]} role.` });
      router.refresh();
    });

  const confirm = () =>
    startTransition(async () => {
      if (!confirming) return;
      const { kind, username } = confirming;
      if (kind === 'reset') {
        const result = await resetUserPassword({ username });
        setConfirming(null);
        if (!result.ok) return setStatus({ tone: 'error', text: result.message });
        setShown({ username, password: result.data.oneTimePassword });
        setStatus({ tone: 'success', text: `The password of ${username} has been reset and the account unlocked.` });
      } else {
        const result = await removeUser({ username });
        setConfirming(null);
        if (!result.ok) return setStatus({ tone: 'error', text: result.message });
        if (shown?.username === username) setShown(null);
        setStatus({ tone: 'success', text: `${username} has been deleted. Their sessions have ended.` });
      }
      router.refresh();
    });

  return (
    <>
      {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
      {shown ? <OneTimePassword username={shown.username} password={shown.password} onDone={() => setShown(null)} /> : null}
      <Card
        title="Users"
        description="Everyone who can sign in to this console. Changes take effect at once, also for users who are signed in."
      >
        <UsersTable
          users={users}
          currentUsername={currentUsername}
          busy={busy}
          onRoleChange={changeRole}
          onReset={(username) => setConfirming({ kind: 'reset', username })}
          onDelete={(username) => setConfirming({ kind: 'delete', username })}
        />
      </Card>
      <Card title="Create user" description="The new user can change the password later under Account.">
        <CreateUserForm
          policy={policy}
          onCreated={(created) => {
            setStatus({ tone: 'success', text: `${created.username} has been created with the ${ROLE_LABELS[created.role]} role.` });
            setShown(created.oneTimePassword ? { username: created.username, password: created.oneTimePassword } : null);
            startTransition(() => router.refresh());
          }}
        />
      </Card>
      <ConfirmDialog
        open={confirming !== null}
        title={confirming?.kind === 'reset' ? `Reset the password of ${confirming.username}?` : `Delete ${confirming?.username ?? ''}?`}
        confirmLabel={confirming?.kind === 'reset' ? 'Reset password' : 'Delete user'}
        busy={busy}
        onConfirm={confirm}
        onCancel={() => setConfirming(null)}
      >
        {confirming?.kind === 'reset'
          ? 'A new password is generated and shown once. The current password stops working at once and any lockout is cleared.'
          : 'The account is removed and any session of it ends at once. This cannot be undone.'}
      </ConfirmDialog>
    </>
  );
}
