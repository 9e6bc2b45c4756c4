'use client';

import { useState } from 'react';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { writeClipboard } from '../ui/clipboard';

// The new key's identity file, shown this once: the console keeps only the public key, so this is
// the only copy of what restores every backup made from now on.
export function BackupIdentity({ identityFile }: { identityFile: string }) {
  const [copyStatus, setCopyStatus] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);

  async function copy() {
    try {
      await writeClipboard(identityFile);
      setCopyStatus({ tone: 'success', text: 'Identity copied to the clipboard.' });
    } catch {
      setCopyStatus({ tone: 'error', text: 'The browser refused to copy. Select the text and copy it by hand, or download the file.' });
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([identityFile], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'otc-backup-identity.txt';
    link.click();
    URL.revokeObjectURL(url);
  }

  return (
    <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-950">Identity file (secret key)</p>
      <pre
        data-testid="backup-identity"
        aria-label="Identity file"
        className="overflow-x-auto rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs whitespace-pre-wrap break-all"
      >
        {identityFile}
      </pre>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={download}>
          Download identity file
        </Button>
        <Button variant="secondary" onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <p className="text-sm text-amber-950">
        Save it offline now (a password manager, or removable media kept safe). The console does not keep it and cannot show it again;
        without it, no backup made from now on can be restored. Restore with{' '}
        <code className="font-mono">cyberx-management-system-restore -i &lt;identity file&gt;</code>, or open a backup anywhere with{' '}
        <code className="font-mono">age -d -i &lt;identity file&gt;</code>.
      </p>
      {copyStatus ? <Alert tone={copyStatus.tone}>{copyStatus.text}</Alert> : null}
    </div>
  );
}
