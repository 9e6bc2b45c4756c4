import { Alert } from '../ui/Alert';

// A change saved here that the secondary had not committed within the wait (docs/architecture.md,
// "Replication"): it is not lost, the stream copies it once the link catches up.
export function PeerCommitNotice({ outcome }: { outcome: { ok: boolean; replication?: string } | null }) {
  if (!outcome?.ok || outcome.replication !== 'pending') return null;
  return (
    <Alert tone="warning">
      Not yet on the secondary: it did not confirm this change in time. It is copied as soon as the link catches up; System Settings → High
      Availability shows the lag.
    </Alert>
  );
}
