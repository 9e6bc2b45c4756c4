'use client';

import { useState, useTransition } from 'react';
import { regenerateConnectionString, revealConnectionString } from '@/lib/appliance/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { writeClipboard } from '../ui/clipboard';
import { EyeIcon } from '../ui/EyeIcon';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';

export function ConnectionStringCard({ prefix, tokenLength }: { prefix: string; tokenLength: number }) {
  const [value, setValue] = useState<string | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [status, setStatus] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [pending, startTransition] = useTransition();

  // Asked for on every reveal and copy, never served from what the page already holds: each one is an
  // audit event on the console.
  async function fetchValue(purpose: 'reveal' | 'copy'): Promise<string | null> {
    const result = await revealConnectionString({ purpose });
    if (!result.ok) {
      setStatus({ tone: 'error', text: result.message });
      return null;
    }
    setValue(result.data.connectionString);
    return result.data.connectionString;
  }

  const toggleReveal = () =>
    startTransition(async () => {
      if (revealed) return setRevealed(false);
      if (await fetchValue('reveal')) setRevealed(true);
    });

  const copy = () =>
    startTransition(async () => {
      const text = await fetchValue('copy');
      if (!text) return;
      try {
        await writeClipboard(text);
        setStatus({ tone: 'success', text: 'Connection string copied to the clipboard.' });
      } catch {
        setStatus({ tone: 'error', text: 'The browser refused to copy. Reveal the string and copy it by hand.' });
      }
    });

  const regenerate = () =>
    startTransition(async () => {
      const result = await regenerateConnectionString({ confirm: true });
      setConfirming(false);
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setValue(result.data.connectionString);
      setStatus({
        tone: 'info',
        text: 'A new connection string is in force. The old token no longer works: give sensors and the paired console the new one.',
      });
    });

  const shown = revealed && value ? value : `${prefix}${'•'.repeat(tokenLength)}`;

  return (
    <Card
      title="Connection String"
      description="Sensors and a secondary console use this string to connect to this console. Treat it like a password."
    >
      <div className="space-y-4">
        <div className="flex flex-wrap items-center gap-2">
          <code
            data-testid="connection-string"
            aria-label="Connection string"
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm break-all"
          >
            {shown}
          </code>
          <Button
            variant="secondary"
            onClick={toggleReveal}
            disabled={pending}
            aria-pressed={revealed}
            aria-label={revealed ? 'Hide connection string' : 'Reveal connection string'}
            title={revealed ? 'Hide' : 'Reveal'}
          >
            <EyeIcon crossed={revealed} />
            {revealed ? 'Hide' : 'Reveal'}
          </Button>
          <Button variant="secondary" onClick={copy} disabled={pending} aria-label="Copy connection string">
            Copy
          </Button>
        </div>
        {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
        <div className="flex items-center justify-between border-t border-slate-200 pt-4">
          <p className="text-sm text-slate-600">Regenerate if the string may have leaked. Connected sensors keep their own credentials.</p>
          <Button variant="danger" onClick={() => setConfirming(true)} disabled={pending}>
            Regenerate
          </Button>
        </div>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Regenerate the connection string?"
        confirmLabel="Regenerate"
        busy={pending}
        onConfirm={regenerate}
        onCancel={() => setConfirming(false)}
      >
        The current token stops working at once. Sensors not yet registered and a console that is about to pair must be given the new
        string.
      </ConfirmDialog>
    </Card>
  );
}
