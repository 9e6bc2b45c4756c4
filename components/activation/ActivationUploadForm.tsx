'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { uploadActivation } from '@/lib/activation/actions';
import { ACTIVATION_MAX_BYTES, oversizedMessage } from '@/lib/activation/schema';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Outcome = { tone: 'error' | 'success'; text: string };

export function ActivationUploadForm({ keyId }: { keyId: string }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const file = (form.elements.namedItem('file') as HTMLInputElement | null)?.files?.[0];
    if (!file) return setOutcome({ tone: 'error', text: 'Choose an activation file to upload.' });
    // Same limit and words as the server, without sending the file.
    if (file.size > ACTIVATION_MAX_BYTES) return setOutcome({ tone: 'error', text: oversizedMessage(file.size) });
    setOutcome(null);
    startTransition(async () => {
      try {
        const result = await uploadActivation({ file });
        if (!result.ok) return setOutcome({ tone: 'error', text: result.message });
        const a = result.data;
        setOutcome({
          tone: 'success',
          text: `Activation installed: ${a.subscriptions.join(', ')}, ${a.committedDevices.toLocaleString('en-US')} committed devices, expires ${a.expiresOn}.`,
        });
        form.reset();
        router.refresh();
      } catch {
        setOutcome({ tone: 'error', text: 'The upload did not reach the console. Check the connection and try again.' });
      }
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-busy={pending}>
      {outcome ? <Alert tone={outcome.tone}>{outcome.text}</Alert> : null}
      <TextField
        id="activation-file"
        name="file"
        type="file"
        accept=".json,application/json,text/plain"
        label="Activation file"
        disabled={pending}
      />
      <p className="text-xs text-slate-500">
        At most 1 MB. This console accepts files signed with vendor key <span className="font-mono">{keyId}…</span>
      </p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Uploading…' : 'Upload'}
      </Button>
    </form>
  );
}
