'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { changeOwnPassword } from '@/lib/users/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Outcome = Awaited<ReturnType<typeof changeOwnPassword>> | null;

export function ChangePasswordForm({ policy }: { policy: string }) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [pending, startTransition] = useTransition();
  const errors: Record<string, string | undefined> = outcome && !outcome.ok ? (outcome.fieldErrors ?? {}) : {};

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    startTransition(async () => {
      const result = await changeOwnPassword({
        currentPassword: String(form.get('currentPassword') ?? ''),
        newPassword: String(form.get('newPassword') ?? ''),
        confirmPassword: String(form.get('confirmPassword') ?? ''),
      });
      setOutcome(result);
      if (result.ok) formEl.reset();
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate>
      {outcome?.ok ? <Alert tone="success">Your password has been changed.</Alert> : null}
      {outcome && !outcome.ok ? <Alert tone="error">{outcome.message}</Alert> : null}
      <TextField
        id="currentPassword"
        name="currentPassword"
        type="password"
        label="Current password"
        autoComplete="current-password"
        error={errors.currentPassword}
      />
      <TextField
        id="newPassword"
        name="newPassword"
        type="password"
        label="New password"
        autoComplete="new-password"
        error={errors.newPassword}
      />
      <TextField
        id="confirmPassword"
        name="confirmPassword"
        type="password"
        label="Repeat new password"
        autoComplete="new-password"
        error={errors.confirmPassword}
      />
      <p className="text-xs text-slate-600">{policy}</p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Change password'}
      </Button>
    </form>
  );
}
