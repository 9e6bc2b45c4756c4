'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { removeSensor } from '@/lib/sensors/actions';
import type { SensorsPage, SensorView } from '@/lib/sensors/sensors-view';
import { AutoRefresh } from '../ui/AutoRefresh';
import { Alert } from '../ui/Alert';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Pager } from './Pager';
import { SensorTable } from './SensorTable';

type Status = { tone: 'error' | 'success'; text: string };

// How often the page asks the server again, so that a sensor that stops shows Disconnected by itself.
const REFRESH_MS = 3000;

export function SensorsSection({ data, canDelete }: { data: SensorsPage; canDelete: boolean }) {
  const router = useRouter();
  const [status, setStatus] = useState<Status | null>(null);
  const [deleting, setDeleting] = useState<SensorView | null>(null);
  const [busy, startTransition] = useTransition();
  const disconnected = data.total - data.connected;

  const confirmDelete = () =>
    startTransition(async () => {
      if (!deleting) return;
      const result = await removeSensor({ id: deleting.id });
      setDeleting(null);
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setStatus({ tone: 'success', text: `Sensor "${result.name}" deleted, with its alerts and devices.` });
      router.refresh();
    });

  return (
    <>
      <AutoRefresh active={deleting === null} intervalMs={REFRESH_MS} />
      <Card
        title="Sensors"
        description={`Sensors registered with this console's connection string. A sensor not heard from for ${data.disconnectAfterSeconds} s shows Disconnected. This page updates every few seconds.`}
      >
        <div className="space-y-4">
          <p className="text-sm text-slate-700" data-testid="sensor-summary">
            {data.total.toLocaleString('en-US')} sensors · {data.connected.toLocaleString('en-US')} connected ·{' '}
            {disconnected.toLocaleString('en-US')} disconnected
          </p>
          {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
          {data.total === 0 ? (
            <p className="text-sm text-slate-600">
              No sensors yet. Give a sensor this console&apos;s connection string (System Settings → Sensor Setup) to register it.
            </p>
          ) : (
            <SensorTable sensors={data.sensors} now={data.now} canDelete={canDelete} busy={busy} onDelete={setDeleting} />
          )}
          <Pager basePath="/sensors" page={data.page} pages={data.pages} label="Sensor pages" />
        </div>
      </Card>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete sensor ${deleting?.name ?? ''}?`}
        confirmLabel="Delete sensor"
        busy={busy}
        onConfirm={confirmDelete}
        onCancel={() => setDeleting(null)}
      >
        Sensor &ldquo;{deleting?.name}&rdquo; is removed with its {deleting?.alerts ?? 0} alerts and {deleting?.devices ?? 0} devices. Only
        a disconnected sensor can be deleted; if it connects again it must register again with the connection string.
      </ConfirmDialog>
    </>
  );
}
