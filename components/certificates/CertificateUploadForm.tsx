'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { uploadCertificate } from '@/lib/certificates/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Outcome = Awaited<ReturnType<typeof uploadCertificate>> | null;

function fileOf(form: FormData, name: string): File | undefined {
  const value = form.get(name);
  return value instanceof File && value.size > 0 ? value : undefined;
}

export function CertificateUploadForm() {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    startTransition(async () => {
      const result = await uploadCertificate({
        certificate: fileOf(form, 'certificate') as File,
        privateKey: fileOf(form, 'privateKey') as File,
        chain: fileOf(form, 'chain'),
        passphrase: String(form.get('passphrase') ?? '') || undefined,
      });
      setOutcome(result);
      if (result.ok) {
        formEl.reset();
        router.refresh();
      }
    });
  }

  const fileInput =
    'block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm';
  return (
    <form onSubmit={onSubmit} className="max-w-lg space-y-4" noValidate>
      {outcome?.ok ? (
        <Alert tone="success">
          Certificate installed{outcome.data.live ? ' and in use for new connections' : ''}. Fingerprint {outcome.data.fingerprint}.
        </Alert>
      ) : null}
      {outcome && !outcome.ok ? <Alert tone="error">{outcome.message}</Alert> : null}
      <div className="space-y-1">
        <label htmlFor="certificate" className="block text-sm font-medium text-slate-700">
          Certificate (.crt, PEM or DER)
        </label>
        <input id="certificate" name="certificate" type="file" accept=".crt,.cer,.pem,.der" className={fileInput} />
      </div>
      <div className="space-y-1">
        <label htmlFor="privateKey" className="block text-sm font-medium text-slate-700">
          Private key (.key, PEM)
        </label>
        <input id="privateKey" name="privateKey" type="file" accept=".key,.pem" className={fileInput} />
      </div>
      <TextField id="passphrase" name="passphrase" type="password" label="Key passphrase (if the key is encrypted)" autoComplete="off" />
      <div className="space-y-1">
        <label htmlFor="chain" className="block text-sm font-medium text-slate-700">
          Certificate chain (optional: intermediate and root certificates, PEM)
        </label>
        <input id="chain" name="chain" type="file" accept=".crt,.cer,.pem" className={fileInput} />
      </div>
      <p className="text-xs text-slate-600">
        Requirements: signed with SHA-256 with RSA, RSA key of at least 2048 bits, valid now, a Common Name that is not a wildcard, Country,
        Organization and Organizational Unit in the subject, and a chain that verifies.
      </p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Upload certificate'}
      </Button>
    </form>
  );
}
