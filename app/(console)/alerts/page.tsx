import { AlertFilters } from '@/components/alerts/AlertFilters';
import { AlertsTable } from '@/components/alerts/AlertsTable';
import { Pager } from '@/components/sensors/Pager';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { roleAtLeast } from '@/lib/auth/roles';
import { loadAlertsPage } from '@/lib/sensors/loaders';
import { alertFilterSchema, pageNumberSchema } from '@/lib/sensors/schema';

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireRole('READ_ONLY', '/alerts');
  const params = await searchParams;
  const filter = alertFilterSchema.parse({ sensor: params.sensor || undefined, severity: params.severity || undefined });
  const data = await loadAlertsPage(filter, pageNumberSchema.parse(params.page));
  const filtered = Boolean(filter.sensor || filter.severity);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Alerts</h1>
      <Card
        title="Alerts"
        description="Alerts the sensors reported, newest first. Security Analysts and Admins acknowledge them once handled."
      >
        <div className="space-y-4">
          <AlertFilters filter={filter} sensorNames={data.sensorNames} />
          <p className="text-sm text-slate-700" data-testid="alert-summary">
            {data.unknownSensor
              ? `No sensor is named "${filter.sensor}".`
              : `${data.total.toLocaleString('en-US')} ${data.total === 1 ? 'alert' : 'alerts'}${filtered ? ' match the filters' : ''}.`}
          </p>
          {data.alerts.length > 0 ? (
            <AlertsTable alerts={data.alerts} canAcknowledge={roleAtLeast(user.role, 'SECURITY_ANALYST')} timeZone={data.timeZone} />
          ) : null}
          <Pager
            basePath="/alerts"
            page={data.page}
            pages={data.pages}
            params={{ sensor: filter.sensor, severity: filter.severity }}
            label="Alert pages"
          />
        </div>
      </Card>
    </div>
  );
}
