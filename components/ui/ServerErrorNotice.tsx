'use client';

import { Button } from './Button';

// What a user sees when the server failed: no internals, only the reference under which the failure is
// in the core log, so that an Admin (or support, from a log export) can find it.
export function ServerErrorNotice({ digest, onRetry }: { digest?: string; onRetry: () => void }) {
  return (
    <div role="alert" className="mx-auto mt-16 max-w-lg space-y-4 rounded-lg border border-red-200 bg-white p-6 shadow-sm">
      <h1 className="text-lg font-semibold text-red-800">Something went wrong on the console</h1>
      <p className="text-sm text-slate-700">
        The request failed on the server. Try again; if it keeps failing, give your administrator this error reference, which the
        console&apos;s core log (System Settings → Export) records with the details.
      </p>
      {digest ? (
        <p className="text-sm">
          Error reference: <code data-testid="error-reference">{digest}</code>
        </p>
      ) : null}
      <Button onClick={onRetry}>Try again</Button>
    </div>
  );
}
