import { VlansSection } from '@/components/networking/VlansSection';
import { requireRole } from '@/lib/auth/guard';
import { listVlans } from '@/lib/networking/data';

export default async function NetworkingPage() {
  await requireRole('ADMIN', '/system-settings/networking');
  const vlans = await listVlans();
  return <VlansSection vlans={vlans.map((v) => ({ id: v.id, name: v.name }))} />;
}
