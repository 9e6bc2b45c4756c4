// The state of a background job (backup, log export) in a list row: a progress bar while it runs.
export function JobStatus({ status, progress, error, label }: { status: string; progress: number; error?: string | null; label: string }) {
  if (status === 'running') {
    return (
      <div className="flex min-w-32 items-center gap-2">
        <div
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress}
          className="h-2 flex-1 overflow-hidden rounded bg-slate-200"
        >
          <div className="h-full bg-sky-600 transition-all" style={{ width: `${progress}%` }} />
        </div>
        <span className="tabular-nums">{progress}%</span>
      </div>
    );
  }
  if (status === 'failed') {
    return (
      <span className="text-red-800">
        Failed<span className="block max-w-xs text-xs">{error}</span>
      </span>
    );
  }
  return <span className="text-emerald-800">Ready</span>;
}
