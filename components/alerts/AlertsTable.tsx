'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { acknowledgeSensorAlert } from '@/lib/sensors/actions';
import type { AlertView } from '@/lib/sensors/loaders';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { SeverityBadge } from './SeverityBadge';

type Status = { tone: 'error' | 'success'; text: string };

export function AlertsTable({ alerts, canAcknowledge, timeZone }: { alerts: AlertView[]; canAcknowledge: boolean; timeZone: string }) {
  const router = useRouter();
  const [status, setStatus] = useState<Status | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [, startTransition] = useTransition();

  const acknowledge = (a: AlertView) => {
    const id = `${a.sensorId}:${a.seq}`;
    setPending(id);
    startTransition(async () => {
      const result = await acknowledgeSensorAlert({ sensorId: a.sensorId, seq: a.seq });
      setPending(null);
      setStatus(
        result.ok
          ? { tone: 'success', text: `Alert "${a.title}" from ${a.sensorName} acknowledged.` }
          : { tone: 'error', text: result.message },
      );
      router.refresh();
    });
  };

  return (
    <div className="space-y-4">
      {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Alerts, newest first (times in {timeZone})</caption>
          <thead className="border-b border-slate-200 text-slate-600">
            <tr>
              {[`Received (${timeZone})`, 'Severity', 'Alert', 'Sensor', 'Protocol', 'Source → destination', 'Acknowledged'].map((h) => (
                <th key={h} scope="col" className="py-2 pr-4 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr
                key={`${a.sensorId}:${a.seq}`}
                data-testid={`alert-row-${a.sensorName}-${a.seq}`}
                className="border-b border-slate-100 align-top"
              >
                <td className="py-2 pr-4 whitespace-nowrap font-mono text-xs" title={`Occurred ${a.occurredAt} (sensor clock)`}>
                  {a.receivedAt}
                </td>
                <td className="py-2 pr-4">
                  <SeverityBadge severity={a.severity} />
                </td>
                <th scope="row" className="py-2 pr-4 font-medium">
                  {a.title}
                  {a.details ? <span className="block text-xs font-normal text-slate-600">{a.details}</span> : null}
                </th>
                <td className="py-2 pr-4 break-all">
                  <a href={`/alerts?sensor=${encodeURIComponent(a.sensorName)}`} className="text-sky-800 underline">
                    {a.sensorName}
                  </a>
                </td>
                <td className="py-2 pr-4">{a.protocol}</td>
                <td className="py-2 pr-4 font-mono text-xs break-all">
                  {a.source} → {a.destination}
                </td>
                <td className="py-2 pr-4">
                  {a.acknowledgedAt ? (
                    <span className="text-slate-600">
                      by {a.acknowledgedBy} <span className="block font-mono text-xs">{a.acknowledgedAt}</span>
                    </span>
                  ) : canAcknowledge ? (
                    <Button
                      variant="secondary"
                      disabled={pending !== null}
                      onClick={() => acknowledge(a)}
                      aria-label={`Acknowledge alert ${a.seq} from ${a.sensorName}`}
                    >
                      {pending === `${a.sensorId}:${a.seq}` ? 'Acknowledging…' : 'Acknowledge'}
                    </Button>
                  ) : (
                    <span className="text-slate-500">Open</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
