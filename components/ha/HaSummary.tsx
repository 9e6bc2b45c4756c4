import type { HighAvailabilityView } from '@/lib/trusted-hosts/loaders';
import { haSummary } from './texts';

export function HaSummary({ view }: { view: HighAvailabilityView }) {
  return (
    <p className="text-sm font-medium text-slate-900" data-testid="ha-summary">
      {haSummary(view)}
    </p>
  );
}
