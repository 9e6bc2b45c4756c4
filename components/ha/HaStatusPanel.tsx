import type { ReactNode } from 'react';
import type { HighAvailabilityView } from '@/lib/trusted-hosts/loaders';
import { Card } from '../ui/Card';
import { HaSummary } from './HaSummary';
import { ago, PEER_STATUS_LABELS, ROLE_LABELS, STATE_LABELS } from './texts';
import { SnapshotProgress } from './SnapshotProgress';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-[11rem_1fr] gap-2 py-1">
      <dt className="text-slate-600">{label}</dt>
      <dd className="min-w-0 break-all text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function HaStatusPanel({ view }: { view: HighAvailabilityView }) {
  const { status, self } = view;
  const { peer, outgoing, incoming, snapshot } = status;
  return (
    <Card title="Status" description="Where this console stands in its pair. This page updates every 2 seconds.">
      <div className="space-y-4 text-sm">
        <HaSummary view={view} />
        <dl aria-label="This console" className="divide-y divide-slate-100">
          <Row label="This console">
            {self.domain} ({self.address})
          </Row>
          <Row label="Role" testId="ha-role">
            {ROLE_LABELS[status.configuredRole]}
          </Row>
          <Row label="State" testId="ha-state">
            {STATE_LABELS[status.state]}
          </Row>
          <Row label="Term">{status.term}</Row>
        </dl>
        {peer ? (
          <dl aria-label="Peer console" className="divide-y divide-slate-100 border-t border-slate-200 pt-2">
            <Row label="Peer" testId="ha-peer">
              {peer.domain}
            </Row>
            <Row label="Address">{peer.address}</Row>
            <Row label="Peer port">{peer.peerPort}</Row>
            <Row label="Fingerprint (SHA-256)">
              <code className="font-mono text-xs">{peer.fingerprint}</code>
            </Row>
            <Row label="Peer's role">{ROLE_LABELS[peer.role]}</Row>
            <Row label="Pair status" testId="ha-peer-status">
              {PEER_STATUS_LABELS[peer.status]}
            </Row>
            <Row label="Last contact">{ago(view.lastContactSecondsAgo)}</Row>
            {outgoing ? (
              <>
                <Row label="Replication lag" testId="ha-lag">
                  {outgoing.lagSeconds.toFixed(1)} s
                </Row>
                <Row label="Backlog" testId="ha-backlog">
                  {outgoing.backlog.toLocaleString('en-US')} {outgoing.backlog === 1 ? 'record' : 'records'}
                </Row>
              </>
            ) : null}
            {incoming ? (
              <Row label="Last applied" testId="ha-last-applied">
                record {incoming.appliedSeq} of {peer.domain}, {ago(view.lastAppliedSecondsAgo)}
              </Row>
            ) : null}
          </dl>
        ) : null}
        {snapshot && peer ? <SnapshotProgress snapshot={snapshot} peer={peer.domain} /> : null}
      </div>
    </Card>
  );
}
