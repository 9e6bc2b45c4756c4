'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { removeSensor, replaceSensor } from '@/lib/sensors/actions';
import type { SensorsPage, SensorView } from '@/lib/sensors/loaders';
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
  const [replacing, setReplacing] = useState<SensorView | null>(null);
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

  const confirmReplace = () =>
    startTransition(async () => {
      if (!replacing) return;
      const result = await replaceSensor({ id: replacing.id });
      setReplacing(null);
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setStatus({
        tone: 'success',
        text: `Sensor "${result.name}" can be replaced until ${new Date(result.until).toLocaleTimeString('en-GB', { timeZone: 'UTC' })} UTC: register the new sensor under the name "${result.name}" with the connection string. It takes over this sensor's history, and the old sensor's credential stops working.`,
      });
      router.refresh();
    });

  return (
    <>
      <AutoRefresh active={deleting === null && replacing === null} intervalMs={REFRESH_MS} />
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
            <SensorTable
              sensors={data.sensors}
              now={data.now}
              canDelete={canDelete}
              busy={busy}
              onDelete={setDeleting}
              onReplace={setReplacing}
            />
          )}
          <Pager basePath="/sensors" page={data.page} pages={data.pages} label="Sensor pages" />
        </div>
      </Card>
      {/* One dialog for both actions: a page holds one confirmation at a time. */}
      <ConfirmDialog
        open={deleting !== null || replacing !== null}
        title={replacing ? `Replace sensor ${replacing.name}?` : `Delete sensor ${deleting?.name ?? ''}?`}
        confirmLabel={replacing ? 'Allow replacement' : 'Delete sensor'}
        busy={busy}
        onConfirm={replacing ? confirmReplace : confirmDelete}
        onCancel={() => {
          setDeleting(null);
          setReplacing(null);
        }}
      >
        {replacing ? (
          <>
            For the next 10 minutes, a sensor registering with the connection string under the name &ldquo;{replacing.name}&rdquo; takes
            this sensor over: its identity, alerts and devices. Use it for new hardware or a sensor that lost its identity. The current
            sensor&apos;s credential stops working when that happens. Without this, a registered name can only be registered again by the
            sensor that holds its credential.
          </>
        ) : (
          <>
            Sensor &ldquo;{deleting?.name}&rdquo; is removed with its {deleting?.alerts ?? 0} alerts and {deleting?.devices ?? 0} devices.
            Only a disconnected sensor can be deleted; if it connects again it must register again with the connection string.
          </>
        )}
      </ConfirmDialog>
    </>
  );
}
