import type { FailoverStatus } from '@/lib/failover/hook';
import type { FailoverView } from '@/lib/failover/loaders';
import { Card } from '../ui/Card';
import { activeConsole, peerVotesText, selfVotesText, termText } from './failover-texts';
import { VoteChart } from './VoteChart';

// The Overview of a paired console: who is active, the term and the votes, in brief; the High Availability
// page has the rest.
export function HaOverviewCard({
  status,
  peer,
  detailsLink,
}: {
  status: FailoverStatus;
  peer: FailoverView['peer'];
  // The High Availability page is for Admins only.
  detailsLink: boolean;
}) {
  const peerName = peer?.domain ?? 'the peer';
  const active = activeConsole(status, peerName);
  const rows: Array<[string, string, string]> = [
    ['Term', termText(status), 'overview-ha-term'],
    ['Votes for this console', selfVotesText(status), 'overview-ha-votes-self'],
    [`Votes for ${peerName}`, peerVotesText(status), 'overview-ha-votes-peer'],
  ];
  return (
    <Card
      title="High availability"
      actions={
        detailsLink ? (
          <a href="/system-settings/high-availability" className="text-sm font-medium text-sky-800 underline hover:no-underline">
            Details
          </a>
        ) : null
      }
    >
      <div className="grid gap-4 text-sm lg:grid-cols-2">
        <dl className="space-y-1">
          <div className="flex justify-between gap-4 border-b border-slate-100 py-1">
            <dt className="text-slate-600">Active console</dt>
            <dd className="text-right font-medium" data-testid="overview-ha-active">
              {active.who === 'peer' && peer ? (
                <a href={peer.url} className="text-sky-800 underline hover:no-underline">
                  {peer.domain}
                </a>
              ) : (
                active.text
              )}
            </dd>
          </div>
          {rows.map(([k, v, id]) => (
            <div key={id} className="flex justify-between gap-4 border-b border-slate-100 py-1">
              <dt className="text-slate-600">{k}</dt>
              <dd className="text-right font-medium" data-testid={id}>
                {v}
              </dd>
            </div>
          ))}
        </dl>
        <VoteChart id="overview-vote-chart" history={status.history} registered={status.votes.registered} peerName={peerName} />
      </div>
    </Card>
  );
}
