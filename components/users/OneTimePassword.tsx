'use client';

import { useEffect, useRef, useState } from 'react';
import { Button } from '../ui/Button';

// A password the console generated, shown exactly once: it lives only in this component's props and
// disappears when the Admin dismisses it or leaves the page.
export function OneTimePassword({ username, password, onDone }: { username: string; password: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'refused' | null>(null);
  const ref = useRef<HTMLElement>(null);
  // The form that asked for it may be further down the page: bring the password into view.
  // Braces matter: newer browsers return a Promise from scrollIntoView, which React would take for a
  // clean-up function.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [password]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(password);
      setCopied('yes');
    } catch {
      setCopied('refused');
    }
  }

  return (
    <section
      ref={ref}
      aria-label={`New password for ${username}`}
      className="space-y-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950"
    >
      <p>
        New password for <strong>{username}</strong>. It is shown <strong>only now</strong>: copy it and hand it over securely. The console
        keeps only a hash and cannot show it again.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid="one-time-password"
          aria-label={`One-time password for ${username}`}
          className="rounded-md border border-amber-300 bg-white px-3 py-2 font-mono text-base select-all"
        >
          {password}
        </code>
        <Button variant="secondary" onClick={copy}>
          Copy
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Done, hide it
        </Button>
      </div>
      {copied === 'yes' ? <p>Copied to the clipboard.</p> : null}
      {copied === 'refused' ? <p>The browser refused to copy: select the password and copy it by hand.</p> : null}
    </section>
  );
}
