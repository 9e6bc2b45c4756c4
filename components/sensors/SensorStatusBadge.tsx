import type { SensorStatusCode } from '@/lib/sensors/status';

const TONES: Record<SensorStatusCode, string> = {
  SYNCED: 'bg-emerald-100 text-emerald-900',
  OUT_OF_SYNC: 'bg-amber-100 text-amber-900',
  TIME_DIFF_OFFSET: 'bg-amber-100 text-amber-900',
  DISCONNECTED: 'bg-slate-200 text-slate-800',
};

export function SensorStatusBadge({ status, label, reason }: { status: SensorStatusCode; label: string; reason: string }) {
  return (
    <span title={reason} className={`inline-block rounded px-2 py-0.5 text-xs font-medium ${TONES[status]}`}>
      {label}
      <span className="sr-only">: {reason}</span>
    </span>
  );
}
