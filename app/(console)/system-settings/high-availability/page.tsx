import { FailoverSection } from '@/components/ha/FailoverSection';
import { HighAvailabilitySection } from '@/components/ha/HighAvailabilitySection';
import { requireRole } from '@/lib/auth/guard';
import { loadFailoverView } from '@/lib/failover/loaders';
import { loadHighAvailability } from '@/lib/trusted-hosts/loaders';

export default async function HighAvailabilityPage() {
  await requireRole('ADMIN', '/system-settings/high-availability');
  const [view, failover] = await Promise.all([loadHighAvailability(), loadFailoverView()]);
  const { status } = failover;
  return <HighAvailabilitySection view={view} failover={status ? <FailoverSection view={{ ...failover, status }} /> : null} />;
}
