'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { createBackupKey, saveBackupRecipient } from '@/lib/backups/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { BackupIdentity } from './BackupIdentity';

// The age recipient backups are encrypted to: made here (the identity is shown once, then only the
// public half stays on the console), or pasted from a key the Admin already keeps.
export function BackupKeyPanel({ recipient }: { recipient: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [identityFile, setIdentityFile] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [status, setStatus] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const create = () =>
    startTransition(async () => {
      setStatus(null);
      setFieldError(undefined);
      const result = await createBackupKey({});
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setIdentityFile(result.data.identityFile);
      setPasted('');
      router.refresh();
    });

  const save = () =>
    startTransition(async () => {
      setStatus(null);
      const result = await saveBackupRecipient({ recipient: pasted });
      if (!result.ok) {
        const field = 'fieldErrors' in result ? result.fieldErrors?.recipient : undefined;
        setFieldError(field);
        if (!field) setStatus({ tone: 'error', text: result.message });
        return;
      }
      setFieldError(undefined);
      setPasted('');
      setIdentityFile(null);
      setStatus({ tone: 'success', text: 'Recipient saved. Backups made from now on are encrypted to it.' });
      router.refresh();
    });

  return (
    <div className="space-y-4">
      {recipient ? (
        <div className="space-y-1 text-sm text-slate-700">
          <p>Backups are encrypted to this recipient (age public key):</p>
          <code
            data-testid="backup-recipient"
            className="block rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs break-all"
          >
            {recipient}
          </code>
          <p className="text-slate-600">
            Replacing it changes only the backups made afterwards: keep the old identity for the backups encrypted to it.
          </p>
        </div>
      ) : (
        <Alert tone="warning">
          No encryption key is set, so no backup is made, neither now nor on the schedule. Create a key or paste a recipient below.
        </Alert>
      )}
      {identityFile ? <BackupIdentity identityFile={identityFile} /> : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button onClick={create} disabled={pending}>
          {recipient ? 'Create a new key' : 'Create key'}
        </Button>
        <span className="text-sm text-slate-600">or use a key you already have:</span>
      </div>
      <form
        className="flex flex-wrap items-start gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="min-w-0 flex-1">
          <TextField
            id="backup-recipient-input"
            label="Recipient (age1…)"
            value={pasted}
            onChange={(event) => setPasted(event.target.value)}
            error={fieldError}
            spellCheck={false}
            autoComplete="off"
            placeholder="age1…"
          />
        </div>
        {/* Level with the input (below its label), whether or not an error shows under it. */}
        <Button type="submit" variant="secondary" disabled={pending} className="mt-6">
          Save recipient
        </Button>
      </form>
      {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
    </div>
  );
}
