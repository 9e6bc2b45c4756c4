import type { HaStatusView } from '@/lib/replication/status';
import { snapshotText } from './texts';

export function SnapshotProgress({ snapshot, peer }: { snapshot: NonNullable<HaStatusView['snapshot']>; peer: string }) {
  const { text, percent } = snapshotText(snapshot, peer);
  return (
    <div className="space-y-1 border-t border-slate-200 pt-3">
      <p className="text-slate-800" data-testid="ha-snapshot">
        {text}
      </p>
      <div
        role="progressbar"
        aria-label="Snapshot"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-2 overflow-hidden rounded bg-slate-200"
      >
        <div className="h-full bg-sky-600" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
