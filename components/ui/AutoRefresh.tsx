'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

// Re-renders the page from the server every `intervalMs` while `active`: lists show progress and liveness
// without a client-side copy of the state. Client state (e.g. a one-time password) survives a refresh.
export function AutoRefresh({ active, intervalMs = 1000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, router]);
  return null;
}
