'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { updateIdleTimeout } from '@/lib/auth/actions';
import { PeerCommitNotice } from '../ha/PeerCommitNotice';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

export function IdleTimeoutForm({ minutes }: { minutes: number }) {
  const [outcome, setOutcome] = useState<Awaited<ReturnType<typeof updateIdleTimeout>> | null>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => setOutcome(await updateIdleTimeout({ minutes: Number(form.get('minutes')) })));
  }

  return (
    <form onSubmit={onSubmit} className="max-w-xs space-y-4" noValidate>
      {outcome?.ok ? <Alert tone="success">Saved. It applies to every session from the next request on.</Alert> : null}
      <PeerCommitNotice outcome={outcome} />
      {outcome && !outcome.ok ? <Alert tone="error">{outcome.message}</Alert> : null}
      <TextField
        id="minutes"
        name="minutes"
        type="number"
        min={1}
        max={480}
        defaultValue={minutes}
        label="Sign out after this many idle minutes (1–480)"
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
