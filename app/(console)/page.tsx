import { HaOverviewCard } from '@/components/ha/HaOverviewCard';
import { AutoRefresh } from '@/components/ui/AutoRefresh';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { loadOverview } from '@/lib/appliance/loaders';
import { loadFailoverView } from '@/lib/failover/loaders';

// Paired, the votes change by the second: the page asks the server again, like the High Availability page.
const REFRESH_MS = 2000;

export default async function OverviewPage() {
  const user = await requireRole('READ_ONLY', '/');
  const [o, failover] = await Promise.all([loadOverview(), loadFailoverView()]);
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
      {failover.status ? (
        <>
          <AutoRefresh active intervalMs={REFRESH_MS} />
          <HaOverviewCard status={failover.status} peer={failover.peer} detailsLink={user.role === 'ADMIN'} />
        </>
      ) : null}
    </div>
  );
}
