import { AutoRefresh } from '@/components/ui/AutoRefresh';
import { ExportList } from '@/components/export/ExportList';
import { LogExportForm } from '@/components/export/LogExportForm';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { LOG_CATEGORIES, LOG_CATEGORY_LABELS } from '@/lib/logs/categories';
import { listExports } from '@/lib/export/data';
import { EXPORTS_KEPT } from '@/lib/export/schema';

export default async function ExportPage() {
  await requireRole('ADMIN', '/system-settings/export');
  const exports = await listExports();
  const running = exports.some((item) => item.status === 'running');
  const categories = LOG_CATEGORIES.map((id) => ({ id, label: LOG_CATEGORY_LABELS[id] }));
  return (
    <>
      <Card
        title="Export Logs"
        description="Core logs for a support case, in a ZIP archive encrypted with AES-256 and a password generated for this export only."
      >
        <LogExportForm categories={categories} running={running} />
      </Card>
      <Card title="Recent Exports" description={`The last ${EXPORTS_KEPT} exports are kept on the appliance; older ones are deleted.`}>
        <ExportList exports={exports} />
        <AutoRefresh active={running} />
      </Card>
    </>
  );
}
