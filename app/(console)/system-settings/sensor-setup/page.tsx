import { ConnectionStringCard } from '@/components/settings/ConnectionStringCard';
import { requireRole } from '@/lib/auth/guard';
import { loadMaskedConnectionString } from '@/lib/appliance/connection';

export default async function SensorSetupPage() {
  await requireRole('ADMIN', '/system-settings/sensor-setup');
  const masked = await loadMaskedConnectionString();
  return <ConnectionStringCard prefix={masked.prefix} tokenLength={masked.tokenLength} />;
}
