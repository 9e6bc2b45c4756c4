import type { ReactNode } from 'react';
import type { FailoverStatus } from '@/lib/failover/hook';
import type { FailoverView } from '@/lib/failover/loaders';
import { Card } from '../ui/Card';
import { activeConsole, leaseText, MODE_LABELS, peerVotesText, selfVotesText, termText } from './failover-texts';
import { VoteChart } from './VoteChart';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-[11rem_1fr] gap-2 py-1">
      <dt className="text-slate-600">{label}</dt>
      <dd className="min-w-0 text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

// Who is active, as this console's failover worker sees it: the active console (a link when it is the
// peer), the term, the write lease, and the sensors voting for each console, now and over the last minutes.
export function FailoverPanel({ status, peer }: { status: FailoverStatus; peer: FailoverView['peer'] }) {
  const peerName = peer?.domain ?? 'the peer';
  const active = activeConsole(status, peerName);
  return (
    <Card
      title="Failover"
      description="Sensors decide which console is active: more than half of them voting for a console lets it take over, at least half keeps it writing."
    >
      <div className="space-y-4 text-sm">
        <dl aria-label="Failover" className="divide-y divide-slate-100">
          <Row label="Active console" testId="failover-active">
            {active.who === 'peer' && peer ? (
              <>
                <a href={peer.url} className="font-medium text-sky-800 underline hover:no-underline">
                  {peer.domain}
                </a>
                {active.stale ? ', when it last answered (it does not answer now)' : null}
              </>
            ) : (
              active.text
            )}
          </Row>
          <Row label="This console" testId="failover-mode">
            {MODE_LABELS[status.mode]}, {status.role === 'PRIMARY' ? 'primary' : 'secondary'}
          </Row>
          {status.peer ? (
            <Row label={`${peerName}`} testId="failover-peer-mode">
              {MODE_LABELS[status.peer.mode]}, term {status.peer.term}
              {status.peer.reachable ? '' : ' (when it last answered)'}
            </Row>
          ) : null}
          <Row label="Term" testId="failover-term">
            {termText(status)}
          </Row>
          <Row label="Write lease" testId="failover-lease">
            {leaseText(status)}
          </Row>
          <Row label="Votes for this console" testId="failover-votes-self">
            {selfVotesText(status)}
          </Row>
          <Row label={`Votes for ${peerName}`} testId="failover-votes-peer">
            {peerVotesText(status)}
          </Row>
        </dl>
        <VoteChart id="ha-vote-chart" history={status.history} registered={status.votes.registered} peerName={peerName} />
      </div>
    </Card>
  );
}
