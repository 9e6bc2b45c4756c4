'use client';

import { ServerErrorNotice } from '@/components/ui/ServerErrorNotice';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ServerErrorNotice digest={error.digest} onRetry={reset} />;
}
