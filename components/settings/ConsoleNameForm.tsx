'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { updateConsoleName } from '@/lib/appliance/actions';
import { PeerCommitNotice } from '../ha/PeerCommitNotice';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Outcome = Awaited<ReturnType<typeof updateConsoleName>>;

export function ConsoleNameForm({ name, domain }: { name: string; domain: string }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();
  const error = outcome && !outcome.ok ? (outcome.fieldErrors?.name ?? outcome.message) : undefined;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      const result = await updateConsoleName({ name: String(form.get('name') ?? '') });
      setOutcome(result);
      // The header is rendered by the server layout: refresh it to show the new name.
      if (result.ok) router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Console name">
      {outcome?.ok ? (
        <Alert tone="success">
          {outcome.changed.length ? 'Saved. The header shows the new name.' : 'Nothing to save: the name is unchanged.'}
        </Alert>
      ) : null}
      <PeerCommitNotice outcome={outcome} />
      {error ? <Alert tone="error">{error}</Alert> : null}
      <TextField
        id="console-name"
        name="name"
        label="Console name (up to 25 characters)"
        placeholder={domain}
        defaultValue={name}
        maxLength={25}
        autoComplete="off"
      />
      <p className="text-xs text-slate-600">Shown in the header of every page. Leave it empty to show the appliance domain, {domain}.</p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
