'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import { uploadCertificate } from '@/lib/certificates/actions';
import { CERTIFICATE_FILE_MAX_BYTES, oversizedFileMessage } from '@/lib/certificates/limits';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';

type Installed = Extract<Awaited<ReturnType<typeof uploadCertificate>>, { ok: true }>['data'];
type Outcome = { ok: true; data: Installed } | { ok: false; message: string } | null;

const FIELDS = [
  ['certificate', 'certificate file (.crt)'],
  ['privateKey', 'private key file (.key)'],
  ['chain', 'chain file'],
] as const;

// A chosen file, even an empty one (the server says it is empty); undefined when none was chosen.
function fileOf(form: FormData, name: string): File | undefined {
  const value = form.get(name);
  return value instanceof File && (value.size > 0 || value.name !== '') ? value : undefined;
}

export function CertificateUploadForm() {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    for (const [name, label] of FIELDS) {
      const chosen = fileOf(form, name);
      if (chosen && chosen.size > CERTIFICATE_FILE_MAX_BYTES)
        return setOutcome({ ok: false, message: oversizedFileMessage(label, chosen.size) });
    }
    startTransition(async () => {
      try {
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
      } catch {
        setOutcome({ ok: false, message: 'The upload did not reach the console. Check the connection and try again.' });
      }
    });
  }

  const fileInput =
    'block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm';
  return (
    <form onSubmit={onSubmit} className="max-w-lg space-y-4" noValidate aria-busy={pending}>
      {outcome?.ok ? (
        <Alert tone="success">
          Certificate installed{outcome.data.live ? ' and in use for new connections' : ''}. Fingerprint {outcome.data.fingerprint}.
          {outcome.data.previousDomain ? ` The appliance domain is now ${outcome.data.domain} (was ${outcome.data.previousDomain}).` : ''}
        </Alert>
      ) : null}
      {outcome?.ok && outcome.data.warnings.length > 0 ? (
        <div data-testid="certificate-warnings" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <ul className="list-disc space-y-1 pl-4">
            {outcome.data.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
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
        Requirements: an RSA key of at least 2048 bits (ECDSA, Ed25519 and other key types are refused), signed with SHA-256 with RSA, valid
        now, a server certificate (not a CA), a Common Name that is a DNS name and not a wildcard, and Country, Organization and
        Organizational Unit in the subject. A chain, when given, must verify; without one the certificate is accepted with a warning.
      </p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Upload certificate'}
      </Button>
    </form>
  );
}
