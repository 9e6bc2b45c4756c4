import { Alert } from '../ui/Alert';

export type ActivationBannerView = { code: string; tone: 'info' | 'warning' | 'error'; message: string };

export function ActivationBanners({ banners }: { banners: ActivationBannerView[] }) {
  if (banners.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="activation-banners">
      {banners.map((b) => (
        <Alert key={b.code} tone={b.tone}>
          {b.message}
        </Alert>
      ))}
    </div>
  );
}
