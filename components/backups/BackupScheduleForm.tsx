'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { saveBackupSchedule } from '@/lib/backups/actions';
import { WEEKDAYS } from '@/lib/backups/schedule';
import type { BackupSchedule } from '@/lib/settings/schema';
import { PeerCommitNotice } from '../ha/PeerCommitNotice';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { SelectField } from '../ui/SelectField';

type Outcome = Awaited<ReturnType<typeof saveBackupSchedule>>;
const FIELDS = ['frequency', 'weekday', 'time', 'timezone', 'retain'];

export function BackupScheduleForm({ schedule, timezones }: { schedule: BackupSchedule; timezones: string[] }) {
  const router = useRouter();
  const [frequency, setFrequency] = useState(schedule.frequency);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();
  const errors: Record<string, string | undefined> = outcome && !outcome.ok && 'fieldErrors' in outcome ? (outcome.fieldErrors ?? {}) : {};

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const retain = String(form.get('retain') ?? '').trim();
    startTransition(async () => {
      const result = await saveBackupSchedule({
        frequency: frequency,
        weekday: Number(form.get('weekday')),
        time: String(form.get('time') ?? ''),
        timezone: String(form.get('timezone') ?? ''),
        retain: retain === '' ? Number.NaN : Number(retain),
      });
      setOutcome(result);
      if (result.ok) router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Backup schedule">
      {outcome?.ok ? <Alert tone="success">Schedule saved.</Alert> : null}
      <PeerCommitNotice outcome={outcome} />
      {outcome && !outcome.ok && !FIELDS.some((f) => errors[f]) ? <Alert tone="error">{outcome.message}</Alert> : null}
      <SelectField
        id="frequency"
        name="frequency"
        label="Frequency"
        value={frequency}
        onChange={(e) => setFrequency(e.target.value as BackupSchedule['frequency'])}
        options={[
          { value: 'daily', label: 'Daily' },
          { value: 'weekly', label: 'Weekly' },
        ]}
        error={errors.frequency}
      />
      {frequency === 'weekly' ? (
        <SelectField
          id="weekday"
          name="weekday"
          label="Day of the week"
          defaultValue={String(schedule.weekday)}
          options={WEEKDAYS.map((d, i) => ({ value: String(i), label: d }))}
          error={errors.weekday}
        />
      ) : (
        <input type="hidden" name="weekday" value={String(schedule.weekday)} />
      )}
      <TextField id="time" name="time" type="time" label="Time of day" defaultValue={schedule.time} required error={errors.time} />
      <SelectField
        id="timezone"
        name="timezone"
        label="Time zone"
        defaultValue={schedule.timezone}
        options={timezones.map((tz) => ({ value: tz, label: tz }))}
        error={errors.timezone}
      />
      <TextField
        id="retain"
        name="retain"
        type="number"
        min={1}
        max={100}
        label="Scheduled backups to keep (1–100)"
        defaultValue={schedule.retain}
        error={errors.retain}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save schedule'}
      </Button>
    </form>
  );
}
