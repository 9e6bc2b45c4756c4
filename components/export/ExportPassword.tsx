'use client';

import { useState } from 'react';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { writeClipboard } from '../ui/clipboard';
import { EyeIcon } from '../ui/EyeIcon';

// The archive's one-time password: masked until revealed, and gone once the page is left, because the
// console keeps no copy of it.
export function ExportPassword({ password }: { password: string }) {
  const [revealed, setRevealed] = useState(false);
  const [copyStatus, setCopyStatus] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);

  async function copy() {
    try {
      await writeClipboard(password);
      setCopyStatus({ tone: 'success', text: 'Password copied to the clipboard.' });
    } catch {
      setCopyStatus({ tone: 'error', text: 'The browser refused to copy. Reveal the password and copy it by hand.' });
    }
  }

  return (
    <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-950">Archive password</p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid="export-password"
          aria-label="Archive password"
          className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm break-all"
        >
          {revealed ? password : '•'.repeat(password.length)}
        </code>
        <Button
          variant="secondary"
          onClick={() => setRevealed(!revealed)}
          aria-pressed={revealed}
          aria-label={revealed ? 'Hide password' : 'Reveal password'}
          title={revealed ? 'Hide' : 'Reveal'}
        >
          <EyeIcon crossed={revealed} />
          {revealed ? 'Hide' : 'Reveal'}
        </Button>
        <Button variant="secondary" onClick={() => void copy()} aria-label="Copy password">
          Copy
        </Button>
      </div>
      <p className="text-sm text-amber-950">
        The console does not store this password and cannot show it again. Copy it now and send it separately from the archive; open the
        archive with 7-Zip or WinZip (AES-256).
      </p>
      {copyStatus ? <Alert tone={copyStatus.tone}>{copyStatus.text}</Alert> : null}
    </div>
  );
}
