import { SEVERITIES, type AlertFilter } from '@/lib/sensors/schema';

// A plain GET form: the filters live in the URL, so a filtered list can be bookmarked and shared.
export function AlertFilters({ filter, sensorNames }: { filter: AlertFilter; sensorNames: string[] }) {
  const field =
    'block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none focus:ring-1 focus:ring-sky-600';
  return (
    <form method="get" action="/alerts" aria-label="Filter alerts" className="flex flex-wrap items-end gap-3">
      <div className="min-w-48 space-y-1">
        <label htmlFor="alert-sensor" className="block text-sm font-medium text-slate-700">
          Sensor
        </label>
        <input
          id="alert-sensor"
          name="sensor"
          list="alert-sensor-names"
          defaultValue={filter.sensor ?? ''}
          placeholder="All sensors"
          autoComplete="off"
          className={field}
        />
        <datalist id="alert-sensor-names">
          {sensorNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </div>
      <div className="space-y-1">
        <label htmlFor="alert-severity" className="block text-sm font-medium text-slate-700">
          Severity
        </label>
        <select id="alert-severity" name="severity" defaultValue={filter.severity ?? ''} className={field}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s[0]!.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="rounded-md bg-sky-700 px-3 py-2 text-sm font-medium text-white hover:bg-sky-800">
        Apply filters
      </button>
      {filter.sensor || filter.severity ? (
        <a href="/alerts" className="px-1 py-2 text-sm text-sky-800 underline">
          Clear filters
        </a>
      ) : null}
    </form>
  );
}
