'use client';

import { ROLE_LABELS, type Role } from '@/lib/auth/roles';
import { Button } from '../ui/Button';
import { RoleSelect } from './RoleSelect';

export type UserRowView = { username: string; role: Role; lastSignIn: string | null; lockedUntil: string | null };

export function UsersTable({
  users,
  currentUsername,
  busy,
  onRoleChange,
  onReset,
  onDelete,
}: {
  users: UserRowView[];
  currentUsername: string;
  busy: boolean;
  onRoleChange: (username: string, role: Role) => void;
  onReset: (username: string) => void;
  onDelete: (username: string) => void;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Console users</caption>
        <thead className="border-b border-slate-200 text-slate-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">
              Username
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Role
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Last sign-in
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Locked until
            </th>
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username} data-testid={`user-row-${u.username}`} className="border-b border-slate-100 align-middle">
              <th scope="row" className="py-2 pr-4 font-medium">
                {u.username}
                {u.username === currentUsername ? <span className="ml-1 text-xs font-normal text-slate-500">(you)</span> : null}
              </th>
              <td className="py-2 pr-4">
                {/* Controlled by the server's value: a refused change snaps back on its own. */}
                <RoleSelect
                  aria-label={`Role of ${u.username}`}
                  value={u.role}
                  disabled={busy}
                  onChange={(e) => onRoleChange(u.username, e.target.value as Role)}
                />
                <span className="sr-only">{ROLE_LABELS[u.role]}</span>
              </td>
              <td className="py-2 pr-4 whitespace-nowrap text-slate-700">{u.lastSignIn ?? 'Never'}</td>
              <td className="py-2 pr-4 whitespace-nowrap">
                {u.lockedUntil ? (
                  <span className="font-medium text-red-800">{u.lockedUntil}</span>
                ) : (
                  <span className="text-slate-500">Not locked</span>
                )}
              </td>
              <td className="py-2">
                <div className="flex justify-end gap-2">
                  <Button
                    variant="secondary"
                    disabled={busy}
                    onClick={() => onReset(u.username)}
                    aria-label={`Reset password of ${u.username}`}
                  >
                    Reset password
                  </Button>
                  <Button variant="danger" disabled={busy} onClick={() => onDelete(u.username)} aria-label={`Delete ${u.username}`}>
                    Delete
                  </Button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
