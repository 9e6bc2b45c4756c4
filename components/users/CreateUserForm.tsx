'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { addUser } from '@/lib/users/actions';
import { ROLE_LABELS, type Role } from '@/lib/auth/roles';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { RoleSelect } from './RoleSelect';

type Outcome = Awaited<ReturnType<typeof addUser>>;

export function CreateUserForm({
  policy,
  onCreated,
}: {
  policy: string;
  onCreated: (created: { username: string; role: Role; oneTimePassword: string | null }) => void;
}) {
  const [mode, setMode] = useState<'generate' | 'typed'>('generate');
  const [failure, setFailure] = useState<Extract<Outcome, { ok: false }> | null>(null);
  const [pending, startTransition] = useTransition();
  const errors = failure?.fieldErrors ?? {};

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const username = String(form.get('username') ?? '');
    const role = String(form.get('role') ?? '') as Role;
    startTransition(async () => {
      const result =
        mode === 'generate'
          ? await addUser({ passwordMode: 'generate', username, role })
          : await addUser({ passwordMode: 'typed', username, role, password: String(form.get('password') ?? '') });
      if (!result.ok) return setFailure(result);
      setFailure(null);
      formEl.reset();
      setMode('generate');
      onCreated({ username: result.data.username, role, oneTimePassword: result.data.oneTimePassword });
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Create user">
      {/* A problem with one field is shown at that field only. */}
      {failure && !['username', 'role', 'password'].some((field) => errors[field]) ? <Alert tone="error">{failure.message}</Alert> : null}
      <TextField id="username" name="username" label="Username" autoComplete="off" spellCheck={false} error={errors.username} />
      <div className="space-y-1">
        <label htmlFor="new-user-role" className="block text-sm font-medium text-slate-700">
          Role
        </label>
        <RoleSelect
          id="new-user-role"
          name="role"
          defaultValue="SECURITY_ANALYST"
          aria-invalid={errors.role ? true : undefined}
          aria-describedby={errors.role ? 'new-user-role-error' : undefined}
        />
        {errors.role ? (
          <p id="new-user-role-error" className="text-sm text-red-700">
            {errors.role}
          </p>
        ) : null}
        <p className="text-xs text-slate-600">
          {ROLE_LABELS.ADMIN}: everything, System Settings included. {ROLE_LABELS.SECURITY_ANALYST}: works with sensors and alerts.{' '}
          {ROLE_LABELS.READ_ONLY}: sees, cannot change.
        </p>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Initial password</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="passwordMode" value="generate" checked={mode === 'generate'} onChange={() => setMode('generate')} />
          Generate one (shown once after creating)
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="passwordMode" value="typed" checked={mode === 'typed'} onChange={() => setMode('typed')} />
          Type one
        </label>
      </fieldset>
      {mode === 'typed' ? (
        <div className="space-y-1">
          <TextField id="password" name="password" type="password" label="Password" autoComplete="new-password" error={errors.password} />
          <p className="text-xs text-slate-600">{policy}</p>
        </div>
      ) : errors.password ? (
        <Alert tone="error">{errors.password}</Alert>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create user'}
      </Button>
    </form>
  );
}
