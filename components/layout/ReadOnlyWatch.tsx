'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect } from 'react';

// Client-side navigation does not re-render the console layout, so a failover or a restore since the page
// was loaded would leave the banner as it was. On each navigation the console's state is read from
// /api/health, and the page is rendered again from the server only when it no longer matches.
export function ReadOnlyWatch({ readOnly }: { readOnly: boolean }) {
  const pathname = usePathname();
  const router = useRouter();
  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/health', { cache: 'no-store', signal: controller.signal })
      .then((response) => response.json() as Promise<{ state?: string }>)
      .then(({ state }) => {
        if (state && (state !== 'ACTIVE') !== readOnly) router.refresh();
      })
      // Unreachable or aborted: the next navigation asks again.
      .catch(() => {});
    return () => controller.abort();
  }, [pathname, readOnly, router]);
  return null;
}
