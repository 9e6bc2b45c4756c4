import type { HighAvailabilityView } from '@/lib/replication/loaders';

// One sentence that says where this console stands in its pair.
export function haSummary({ status }: HighAvailabilityView): string {
  const { peer, configuredRole } = status;
  if (!peer)
    return configuredRole === 'STANDALONE'
      ? 'This console is standalone: it is not paired with another console.'
      : `This console trusts no host but is still configured as ${configuredRole.toLowerCase()}: apply to make it standalone.`;
  if (peer.status === 'PENDING')
    return peer.role === 'SECONDARY'
      ? `Pairing with ${peer.domain} is pending: apply it to make ${peer.domain} the secondary of this console.`
      : `This console is the pending secondary of ${peer.domain}: the pair takes effect when it is applied on the primary.`;
  const unreachable = peer.status === 'UNREACHABLE' ? ` ${peer.domain} is unreachable at the moment.` : '';
  return configuredRole === 'PRIMARY'
    ? `This console is the primary; ${peer.domain} is its secondary.${unreachable}`
    : `This console is the secondary of ${peer.domain}, the primary.${unreachable}`;
}

export function HaSummary({ view }: { view: HighAvailabilityView }) {
  return (
    <p className="text-sm font-medium text-slate-900" data-testid="ha-summary">
      {haSummary(view)}
    </p>
  );
}
