export type ActivationBanner = {
  code: 'NOT_ACTIVATED' | 'EXPIRED' | 'EXPIRING' | 'OVER_COMMITTED';
  tone: 'info' | 'warning' | 'error';
  message: string;
};

const DAY = 86_400_000;
export const EXPIRY_WARNING_DAYS = 30;

const date = (d: Date) => d.toISOString().slice(0, 10);

// What the Activation page warns about, given the installed activation (or none), how many devices
// the sensors monitor, and the time now (passed in, so the thresholds are testable).
export function activationBanners(input: {
  activation: { expiresAt: Date; committedDevices: number } | null;
  monitoredDevices: number;
  now: Date;
}): ActivationBanner[] {
  const { activation, monitoredDevices, now } = input;
  if (!activation) {
    return [
      { code: 'NOT_ACTIVATED', tone: 'info', message: 'This console has no activation yet. Upload the activation file your vendor sent.' },
    ];
  }
  const banners: ActivationBanner[] = [];
  const remaining = activation.expiresAt.getTime() - now.getTime();
  if (remaining <= 0) {
    banners.push({
      code: 'EXPIRED',
      tone: 'error',
      message: `The activation expired on ${date(activation.expiresAt)}. Upload a renewed activation file from your vendor.`,
    });
  } else if (remaining <= EXPIRY_WARNING_DAYS * DAY) {
    const days = Math.ceil(remaining / DAY);
    banners.push({
      code: 'EXPIRING',
      tone: 'warning',
      message: `The activation expires on ${date(activation.expiresAt)}, in ${days} day${days === 1 ? '' : 's'}. Ask your vendor for a renewed activation file and upload it before then.`,
    });
  }
  if (monitoredDevices > activation.committedDevices) {
    banners.push({
      code: 'OVER_COMMITTED',
      tone: 'warning',
      message: `${monitoredDevices} devices are monitored but the activation covers ${activation.committedDevices}. Ask your vendor for an activation file with more committed devices.`,
    });
  }
  return banners;
}
