import { getApplianceOrThrow } from '../appliance/data.ts';
import { countMonitoredDevices, getActivation } from './data.ts';
import { uploadRefusal } from './eligibility.ts';
import { readPayloadUnverified, shortKeyId } from './format.ts';
import { activationBanners } from './status.ts';
import { loadVendorPublicKey } from './vendor-key.ts';

const day = (d: Date) => d.toISOString().slice(0, 10);

// Everything System Settings → Activation shows, as plain data for the page.
export async function loadActivationSection(now = new Date()) {
  const [activation, monitoredDevices, appliance, vendorKey] = await Promise.all([
    getActivation(),
    countMonitoredDevices(),
    getApplianceOrThrow(),
    loadVendorPublicKey(),
  ]);
  const refusal = uploadRefusal(appliance);
  const upload = refusal
    ? { allowed: false as const, message: refusal.message }
    : vendorKey.ok
      ? { allowed: true as const, keyId: shortKeyId(vendorKey.keyId) }
      : { allowed: false as const, message: vendorKey.message };
  return {
    activation: activation
      ? {
          subscriptions: activation.subscriptionIds,
          committedDevices: activation.committedDevices,
          issuedOn: day(activation.issuedAt),
          expiresOn: day(activation.expiresAt),
          customer: readPayloadUnverified(activation.fileText)?.customer ?? null,
          uploadedBy: activation.uploadedBy,
          uploadedAt: activation.uploadedAt.toISOString(),
        }
      : null,
    monitoredDevices,
    banners: activationBanners({ activation, monitoredDevices, now }),
    upload,
  };
}
