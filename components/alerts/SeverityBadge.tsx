const TONES: Record<string, string> = {
  critical: 'bg-red-700 text-white',
  high: 'bg-red-100 text-red-900',
  medium: 'bg-amber-100 text-amber-900',
  low: 'bg-slate-200 text-slate-800',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium capitalize ${TONES[severity] ?? TONES.low}`}>{severity}</span>
  );
}
