'use client';

import { ServerErrorNotice } from '@/components/ui/ServerErrorNotice';
import './globals.css';

// Replaces the root layout when the layout itself failed, so it brings its own <html> and <body>.
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <ServerErrorNotice digest={error.digest} onRetry={reset} />
      </body>
    </html>
  );
}
