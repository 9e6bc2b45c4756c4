'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { addVlan } from '@/lib/networking/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Failure = Extract<Awaited<ReturnType<typeof addVlan>>, { ok: false }>;

export function AddVlanForm({ onAdded }: { onAdded: (vlan: { id: number; name: string }) => void }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pending, startTransition] = useTransition();
  const errors = failure?.fieldErrors ?? {};

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const input = { id: String(form.get('id') ?? ''), name: String(form.get('name') ?? '') };
    startTransition(async () => {
      const result = await addVlan(input);
      if (!result.ok) return setFailure(result);
      setFailure(null);
      formEl.reset();
      onAdded({ id: Number(input.id), name: input.name.trim() });
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label="Add VLAN">
      {/* A problem with one field is shown at that field only. */}
      {failure && !['id', 'name'].some((field) => errors[field]) ? <Alert tone="error">{failure.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-[10rem_1fr]">
        <TextField id="vlan-id" name="id" inputMode="numeric" label="VLAN ID (1–4094)" autoComplete="off" error={errors.id} />
        <TextField id="vlan-name" name="name" label="Name (up to 64 characters)" autoComplete="off" error={errors.name} />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Adding…' : 'Add VLAN'}
      </Button>
    </form>
  );
}
