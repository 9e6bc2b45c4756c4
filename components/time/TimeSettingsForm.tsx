'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { updateTimeSettings } from '@/lib/settings/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
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
      const result = await updateTimeSettings({ ntpServer: String(form.get('ntpServer') ?? ''), timezone: String(form.get('timezone') ?? '') });
      setOutcome(result);
      if (result.ok) router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Time settings">
      {outcome?.ok ? <Alert tone="success">{outcome.changed.length ? 'Saved.' : 'Nothing to save: the settings are unchanged.'}</Alert> : null}
      {/* A problem with one field is shown at that field only. */}
      {outcome && !outcome.ok && !['ntpServer', 'timezone'].some((field) => errors[field]) ? <Alert tone="error">{outcome.message}</Alert> : null}
      <TextField id="ntpServer" name="ntpServer" label="NTP server" placeholder="pool.ntp.example or 192.0.2.10" defaultValue={ntpServer} autoComplete="off" spellCheck={false} error={errors.ntpServer} />
      <div className="space-y-1">
        <label htmlFor="timezone" className="block text-sm font-medium text-slate-700">
          Time zone
        </label>
        <select
          id="timezone"
          name="timezone"
          defaultValue={timezone}
          aria-invalid={errors.timezone ? true : undefined}
          aria-describedby={errors.timezone ? 'timezone-error' : undefined}
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none focus:ring-1 focus:ring-sky-600 aria-invalid:border-red-500"
        >
          {timezones.map((tz) => (
            <option key={tz} value={tz}>
              {tz}
            </option>
          ))}
        </select>
        {errors.timezone ? (
          <p id="timezone-error" className="text-sm text-red-700">
            {errors.timezone}
          </p>
        ) : null}
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
