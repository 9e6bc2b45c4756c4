import type { PrimaryRestoredNotice } from '@/lib/failover/loaders';

// On the secondary that stood in while the primary was away, once the primary is active again
// (lib/failover/restored.ts): where to go on working, with the same sign-in.
export function PrimaryRestoredBanner({ notice }: { notice: PrimaryRestoredNotice }) {
  return (
    <div role="status" data-testid="primary-restored-banner" className="border-b border-sky-300 bg-sky-50 text-sky-950">
      <p className="mx-auto max-w-6xl px-4 py-2 text-sm">
        <strong className="font-semibold">The primary console has been restored. </strong>
        {notice.domain} is the active console again: go on working at{' '}
        <a href={notice.url} className="font-medium underline hover:no-underline">
          {notice.url}
        </a>{' '}
        and sign in there with the same credentials.
      </p>
    </div>
  );
}
