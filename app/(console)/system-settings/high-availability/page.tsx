import { HighAvailabilitySection } from '@/components/ha/HighAvailabilitySection';
import { requireRole } from '@/lib/auth/guard';
import { loadHighAvailability } from '@/lib/trusted-hosts/loaders';

export default async function HighAvailabilityPage() {
  await requireRole('ADMIN', '/system-settings/high-availability');
  return <HighAvailabilitySection view={await loadHighAvailability()} />;
}
