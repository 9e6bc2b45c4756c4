import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { loadOverview } from '@/lib/appliance/loaders';

export default async function OverviewPage() {
  await requireRole('READ_ONLY', '/');
  const o = await loadOverview();
  const rows: [string, string][] = [
    ['Domain', o.domain],
    ['Address', o.address],
    ['Model', o.model],
    ['Software version', o.softwareVersion],
    ['High availability role', o.configuredRole],
    ['State', o.state],
    ['Term', o.term],
  ];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Overview</h1>
      <Card title="This appliance">
        <dl className="grid grid-cols-1 gap-x-8 gap-y-2 text-sm sm:grid-cols-2">
          {rows.map(([k, v]) => (
            <div key={k} className="flex justify-between gap-4 border-b border-slate-100 py-1">
              <dt className="text-slate-600">{k}</dt>
              <dd className="font-medium">{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
