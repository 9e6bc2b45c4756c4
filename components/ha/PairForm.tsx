'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { pairSecondary } from '@/lib/trusted-hosts/actions';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { HaNoticeView, type HaNotice } from './HaNoticeView';

type Failure = Extract<Awaited<ReturnType<typeof pairSecondary>>, { ok: false }>;

// Each unmet prerequisite on its own line, so that an Admin fixes them all in one round (as the command
// prints them).
function refusal(failure: Failure): HaNotice {
  if ('failures' in failure && failure.failures?.length)
    return {
      tone: 'error',
      text: `Pairing refused: ${failure.failures.length} ${failure.failures.length === 1 ? 'prerequisite' : 'prerequisites'} not met; nothing was written.`,
      lines: failure.failures.map((f) => f.message),
    };
  return { tone: 'error', text: failure.message };
}

export function PairForm({ onPaired }: { onPaired: (notice: HaNotice) => void }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pending, startTransition] = useTransition();
  const fieldError = failure && 'fieldErrors' in failure ? failure.fieldErrors?.connectionString : undefined;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { connectionString: String(form.get('connectionString') ?? ''), confirmReplace: form.get('confirmReplace') === 'on' };
    startTransition(async () => {
      const result = await pairSecondary(input);
      if (!result.ok) return setFailure(result);
      setFailure(null);
      onPaired({
        tone: 'success',
        text: `Trusted host added: ${result.domain} (${result.address}, SHA-256 ${result.fingerprint}) is the pending secondary of this console, and it recorded this console as its primary. Apply the pair to start replication.`,
      });
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label="Pair with a secondary">
      <TextField
        id="pair-connection-string"
        name="connectionString"
        label="Secondary's connection string"
        placeholder="10.1.2.3:<token>"
        autoComplete="off"
        spellCheck={false}
        error={fieldError}
      />
      <p className="text-sm text-slate-600">
        On the console that is to become the secondary: System Settings → Sensor Setup → Connection String, Reveal or Copy. The token is
        proved to the secondary, never sent.
      </p>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="confirmReplace" className="mt-0.5" />
        <span>
          Replace the secondary&rsquo;s data: its own users, settings, sensors, VLANs and audit trail are deleted and replaced by this
          console&rsquo;s.
        </span>
      </label>
      {failure && !fieldError ? <HaNoticeView notice={refusal(failure)} /> : null}
      <Button type="submit" disabled={pending}>
        {pending ? 'Pairing…' : 'Pair'}
      </Button>
    </form>
  );
}
