'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { updateTimeSettings } from '@/lib/time/actions';
import { PeerCommitNotice } from '../ha/PeerCommitNotice';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { SelectField } from '../ui/SelectField';
import { TextField } from '../ui/TextField';

type Outcome = Awaited<ReturnType<typeof updateTimeSettings>>;

export function TimeSettingsForm({ ntpServer, timezone, timezones }: { ntpServer: string; timezone: string; timezones: string[] }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();
  const errors: Record<string, string | undefined> = outcome && !outcome.ok ? (outcome.fieldErrors ?? {}) : {};

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      const result = await updateTimeSettings({
        ntpServer: String(form.get('ntpServer') ?? ''),
        timezone: String(form.get('timezone') ?? ''),
      });
      setOutcome(result);
      if (result.ok) router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Time settings">
      {outcome?.ok ? (
        <Alert tone="success">{outcome.changed.length ? 'Saved.' : 'Nothing to save: the settings are unchanged.'}</Alert>
      ) : null}
      {/* A problem with one field is shown at that field only. */}
      <PeerCommitNotice outcome={outcome} />
      {outcome && !outcome.ok && !['ntpServer', 'timezone'].some((field) => errors[field]) ? (
        <Alert tone="error">{outcome.message}</Alert>
      ) : null}
      <TextField
        id="ntpServer"
        name="ntpServer"
        label="NTP server"
        placeholder="pool.ntp.example or 192.0.2.10"
        defaultValue={ntpServer}
        autoComplete="off"
        spellCheck={false}
        error={errors.ntpServer}
      />
      <SelectField
        id="timezone"
        name="timezone"
        label="Time zone"
        defaultValue={timezone}
        error={errors.timezone}
        options={timezones.map((tz) => ({ value: tz, label: tz }))}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
