import { ActivationBanners } from '@/components/activation/ActivationBanners';
import { ActivationSummary } from '@/components/activation/ActivationSummary';
import { ActivationUploadForm } from '@/components/activation/ActivationUploadForm';
import { Alert } from '@/components/ui/Alert';
import { Card } from '@/components/ui/Card';
import { loadActivationSection } from '@/lib/activation/loaders';
import { requireRole } from '@/lib/auth/guard';

export default async function ActivationPage() {
  await requireRole('ADMIN', '/system-settings/activation');
  const section = await loadActivationSection();
  return (
    <>
      <ActivationBanners banners={section.banners} />
      <ActivationSummary activation={section.activation} monitoredDevices={section.monitoredDevices} />
      <Card
        title="Upload an activation file"
        description="The vendor-signed file that sets this console's subscriptions, committed devices and expiry. A new file replaces the current one."
      >
        {section.upload.allowed ? (
          <ActivationUploadForm keyId={section.upload.keyId} />
        ) : (
          <Alert tone="info">{section.upload.message}</Alert>
        )}
      </Card>
    </>
  );
}
