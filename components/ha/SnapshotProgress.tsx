import type { HaStatusView } from '@/lib/replication/status';
import { percentOf } from './labels';

type Snapshot = NonNullable<HaStatusView['snapshot']>;

// The snapshot that starts a pair: the primary sends every replicated row, the secondary receives them.
export function SnapshotProgress({ snapshot, peer }: { snapshot: Snapshot; peer: string }) {
  const done = snapshot.state === 'done';
  const percent = percentOf(snapshot.rows, snapshot.total, done);
  const rows = snapshot.rows.toLocaleString('en-US');
  const text =
    snapshot.state === 'sending'
      ? `Sending snapshot to ${peer}: ${rows} of ${snapshot.total.toLocaleString('en-US')} rows (${percent}%)`
      : snapshot.state === 'receiving'
        ? `Receiving snapshot from ${peer}: ${rows} of ${snapshot.total.toLocaleString('en-US')} rows (${percent}%)`
        : done
          ? `Snapshot complete: ${rows} rows (100%).`
          : `Snapshot: ${snapshot.state}`;
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
        aria-valuenow={done ? 100 : percent}
        className="h-2 overflow-hidden rounded bg-slate-200"
      >
        <div className="h-full bg-sky-600" style={{ width: `${done ? 100 : percent}%` }} />
      </div>
    </div>
  );
}
