import Link from 'next/link';
import { formatAgo } from '@/lib/sensors/format';
import type { SensorView } from '@/lib/sensors/loaders';
import { Button } from '../ui/Button';
import { SensorStatusBadge } from './SensorStatusBadge';

export function SensorTable({
  sensors,
  now,
  canDelete,
  busy,
  onDelete,
  onReplace,
}: {
  sensors: SensorView[];
  now: number;
  canDelete: boolean;
  busy: boolean;
  onDelete: (sensor: SensorView) => void;
  onReplace: (sensor: SensorView) => void;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Sensors</caption>
        <thead className="border-b border-slate-200 text-slate-600">
          <tr>
            {['Name', 'IP', 'Version', 'Connectivity', 'Status', 'Last update', 'Devices', 'Alerts'].map((h) => (
              <th key={h} scope="col" className={`py-2 pr-4 font-medium ${h === 'Devices' || h === 'Alerts' ? 'text-right' : ''}`}>
                {h}
              </th>
            ))}
            {canDelete ? (
              <th scope="col" className="py-2 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {sensors.map((s) => (
            <tr key={s.id} data-testid={`sensor-row-${s.name}`} className="border-b border-slate-100">
              <th scope="row" className="py-2 pr-4 font-medium break-all">
                {s.name}
                {s.zone !== 'Default' ? <span className="block text-xs font-normal text-slate-500">{s.zone}</span> : null}
              </th>
              <td className="py-2 pr-4 font-mono text-xs">{s.ip}</td>
              <td className="py-2 pr-4 font-mono text-xs">{s.version}</td>
              <td className="py-2 pr-4">
                <span className={s.connectivity === 'CONNECTED' ? 'text-emerald-800' : 'text-slate-500'}>
                  {s.connectivity === 'CONNECTED' ? 'Connected' : 'Disconnected'}
                </span>
              </td>
              <td className="py-2 pr-4">
                <SensorStatusBadge status={s.status} label={s.statusLabel} reason={s.statusReason} />
              </td>
              <td className="py-2 pr-4 whitespace-nowrap">
                {s.lastHeardAt ? (
                  <time dateTime={s.lastHeardAt} title={s.lastHeardAt}>
                    {formatAgo(now - Date.parse(s.lastHeardAt))}
                  </time>
                ) : (
                  'Never'
                )}
              </td>
              <td className="py-2 pr-4 text-right tabular-nums">{s.devices.toLocaleString('en-US')}</td>
              <td className="py-2 pr-4 text-right tabular-nums">
                {s.alerts > 0 ? (
                  <Link
                    href={`/alerts?sensor=${encodeURIComponent(s.name)}`}
                    className="text-sky-800 underline"
                    aria-label={`${s.alerts} alerts from ${s.name}`}
                  >
                    {s.alerts.toLocaleString('en-US')}
                  </Link>
                ) : (
                  '0'
                )}
              </td>
              {canDelete ? (
                <td className="py-2 text-right whitespace-nowrap">
                  <Button variant="secondary" disabled={busy} onClick={() => onReplace(s)} aria-label={`Replace sensor ${s.name}`}>
                    Replace
                  </Button>{' '}
                  <Button variant="secondary" disabled={busy} onClick={() => onDelete(s)} aria-label={`Delete sensor ${s.name}`}>
                    Delete
                  </Button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
