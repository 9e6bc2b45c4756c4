import { SensorsSection } from '@/components/sensors/SensorsSection';
import { requireRole } from '@/lib/auth/guard';
import { pageNumberSchema } from '@/lib/sensors/schema';
import { loadSensorsPage } from '@/lib/sensors/loaders';

export default async function SensorsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireRole('READ_ONLY', '/sensors');
  const { page } = await searchParams;
  const data = await loadSensorsPage(pageNumberSchema.parse(page));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Sensors</h1>
      <SensorsSection data={data} canDelete={user.role === 'ADMIN'} />
    </div>
  );
}
