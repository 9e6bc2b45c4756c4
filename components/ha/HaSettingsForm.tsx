'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { saveHaSettings } from '@/lib/replication/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { PeerCommitNotice } from './PeerCommitNotice';

type Outcome = Awaited<ReturnType<typeof saveHaSettings>>;

export function HaSettingsForm({ unreachableWindowSeconds, strictEvents }: { unreachableWindowSeconds: number; strictEvents: boolean }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () =>
      setOutcome(
        await saveHaSettings({
          unreachableWindowSeconds: Number(form.get('unreachableWindowSeconds')),
          strictEvents: form.get('strictEvents') === 'on',
        }),
      ),
    );
  }

  return (
    <form onSubmit={onSubmit} className="max-w-xl space-y-4" noValidate aria-label="Peer unreachable">
      {outcome?.ok ? (
        <Alert tone="success">{outcome.changed.length ? 'Saved.' : 'Nothing to save: the settings are unchanged.'}</Alert>
      ) : null}
      <PeerCommitNotice outcome={outcome} />
      {outcome && !outcome.ok ? <Alert tone="error">{outcome.message}</Alert> : null}
      <TextField
        id="ha-window"
        name="unreachableWindowSeconds"
        label="Peer unreachable after (seconds)"
        type="number"
        min={5}
        max={86400}
        defaultValue={String(unreachableWindowSeconds)}
      />
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input type="checkbox" name="strictEvents" defaultChecked={strictEvents} className="mt-1" />
        <span>
          Strict: sensors keep every event the peer does not hold, however long it is away (no event is ever held by one console only;
          sensors’ outboxes grow meanwhile). Off: past the window, events are acknowledged with this console’s copy, and every page says so.
        </span>
      </label>
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
