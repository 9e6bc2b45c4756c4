import type { PeerAwayNotice } from '@/lib/replication/loaders';

export function PeerAwayBanner({ notice }: { notice: PeerAwayNotice }) {
  return (
    <div role="status" data-testid="peer-away-banner" className="border-b border-red-300 bg-red-50 text-red-950">
      <p className="mx-auto max-w-6xl px-4 py-2 text-sm">
        <strong className="font-semibold">{notice.peer} is unreachable. </strong>
        Changes and sensor events are not being copied to it (past the window for {notice.seconds} s).{' '}
        {notice.strict
          ? 'Strict mode: sensors keep every event it does not hold, so their outboxes grow until it is back.'
          : 'Sensor events are acknowledged with this console’s copy only until it is back.'}{' '}
        <a href="/system-settings/high-availability" className="font-medium underline hover:no-underline">
          High Availability
        </a>
      </p>
    </div>
  );
}
