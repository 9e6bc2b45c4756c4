'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';
import { backUpNow } from '@/lib/backups/actions';
import type { BackupView } from '@/lib/backups/data';
import { formatBytes, formatUtc } from '@/lib/format/display';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { JobStatus } from '../ui/JobStatus';

// Back Up Now and the list of backups. While one is running the page re-renders from the server every
// second, so progress and the final size and checksum come from the backup row itself.
export function BackupsPanel({ backups, hasKey }: { backups: BackupView[]; hasKey: boolean }) {
  const router = useRouter();
  const [status, setStatus] = useState<{ tone: 'error' | 'info'; text: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const running = backups.some((b) => b.status === 'running');

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(timer);
  }, [running, router]);

  const backUp = () =>
    startTransition(async () => {
      const result = await backUpNow({});
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setStatus({ tone: 'info', text: 'Backup started. Its progress is shown in the list.' });
      router.refresh();
    });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-600">
          A consistent snapshot of every setting, user, sensor and journal entry, taken in one database transaction.
        </p>
        <Button onClick={backUp} disabled={pending || running || !hasKey}>
          {pending ? 'Starting…' : running ? 'Backing up…' : 'Back Up Now'}
        </Button>
      </div>
      {hasKey ? null : (
        <Alert tone="warning">
          Backups are encrypted, and no encryption key is set yet: no backup is made until one is.{' '}
          <a href="#encryption-key" className="font-medium underline">
            Set the encryption key
          </a>
          .
        </Alert>
      )}
      {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
      {backups.length === 0 ? (
        <p className="text-sm text-slate-600">No backups yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-slate-600">
              <tr>
                <th className="py-2 pr-4 font-medium">Date</th>
                <th className="py-2 pr-4 font-medium">Kind</th>
                <th className="py-2 pr-4 font-medium">Size</th>
                <th className="py-2 pr-4 font-medium">SHA-256</th>
                <th className="py-2 pr-4 font-medium">Status</th>
                <th className="py-2 font-medium">
                  <span className="sr-only">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {backups.map((b) => (
                <tr key={b.id} data-testid="backup-row" data-backup-id={b.id} className="border-b border-slate-100 align-top">
                  <td className="py-2 pr-4 whitespace-nowrap">{formatUtc(b.createdAt)}</td>
                  <td className="py-2 pr-4">
                    {b.kind === 'scheduled' ? 'Scheduled' : 'Manual'}
                    <span className="block text-xs text-slate-500">{b.createdBy}</span>
                    {b.recipient ? (
                      <span
                        className="block font-mono text-xs text-slate-500"
                        title={`Encrypted to ${b.recipient}`}
                        data-testid="backup-row-recipient"
                      >
                        to {b.recipient.slice(0, 10)}…{b.recipient.slice(-6)}
                      </span>
                    ) : null}
                  </td>
                  <td
                    className="py-2 pr-4 whitespace-nowrap tabular-nums"
                    title={b.sizeBytes === null ? undefined : `${b.sizeBytes} bytes`}
                    data-testid="backup-size"
                  >
                    {formatBytes(b.sizeBytes)}
                  </td>
                  <td className="py-2 pr-4">{b.sha256 ? <Checksum value={b.sha256} /> : '—'}</td>
                  <td className="py-2 pr-4">
                    <JobStatus status={b.status} progress={b.progress} error={b.error} label="Backup progress" />
                  </td>
                  <td className="py-2 text-right">
                    {b.status === 'ready' ? (
                      <a href={`/api/v1/system/backups/${b.id}`} download={b.fileName} className="font-medium text-sky-700 hover:underline">
                        Download
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

// Shortened for the table; the full value is in the tooltip, read out by screen readers, and copied.
function Checksum({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <span className="inline-flex items-center gap-1">
      <code title={value} aria-label={`SHA-256 ${value}`} data-testid="backup-sha256" data-sha256={value} className="font-mono text-xs">
        {value.slice(0, 12)}…
      </code>
      <button type="button" onClick={copy} className="rounded px-1 text-xs text-sky-700 hover:bg-slate-100" aria-label="Copy SHA-256">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
