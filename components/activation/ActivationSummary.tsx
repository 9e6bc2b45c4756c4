import type { ReactNode } from 'react';
import { Card } from '../ui/Card';

export type ActivationView = {
  subscriptions: string[];
  committedDevices: number;
  issuedOn: string;
  expiresOn: string;
  customer: string | null;
  uploadedBy: string;
  uploadedAt: string;
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-2 py-1.5">
      <dt className="text-slate-600">{label}</dt>
      <dd className="font-medium text-slate-900">{children}</dd>
    </div>
  );
}

export function ActivationSummary({ activation, monitoredDevices }: { activation: ActivationView | null; monitoredDevices: number }) {
  return (
    <Card
      title="Current activation"
      description="Installed from the vendor-signed activation file. It is replicated to a paired secondary console."
    >
      {activation ? (
        <dl aria-label="Current activation" className="divide-y divide-slate-100 text-sm">
          <Row label={activation.subscriptions.length === 1 ? 'Subscription' : 'Subscriptions'}>
            <ul>
              {activation.subscriptions.map((s) => (
                <li key={s} className="font-mono">
                  {s}
                </li>
              ))}
            </ul>
          </Row>
          {activation.customer ? <Row label="Customer">{activation.customer}</Row> : null}
          <Row label="Committed devices">{activation.committedDevices.toLocaleString('en-US')}</Row>
          <Row label="Monitored devices">{monitoredDevices.toLocaleString('en-US')}</Row>
          <Row label="Issued">{activation.issuedOn}</Row>
          <Row label="Expires">
            <span data-testid="activation-expires">{activation.expiresOn}</span>
          </Row>
          <Row label="Uploaded">
            {activation.uploadedAt.slice(0, 16).replace('T', ' ')} UTC by {activation.uploadedBy}
          </Row>
        </dl>
      ) : (
        <p className="text-sm text-slate-600">No activation file has been installed on this console.</p>
      )}
    </Card>
  );
}
