'use client';

import { useState, type ReactNode } from 'react';
import type { HighAvailabilityView } from '@/lib/trusted-hosts/loaders';
import { AutoRefresh } from '../ui/AutoRefresh';
import { Card } from '../ui/Card';
import { ApplyButton } from './ApplyButton';
import { DriftCheck } from './DriftCheck';
import { HaSettingsForm } from './HaSettingsForm';
import { HaNoticeView, type HaNotice } from './HaNoticeView';
import { HaStatusPanel } from './HaStatusPanel';
import { unpairCommands } from './texts';
import { PairForm } from './PairForm';
import { UnpairButton } from './UnpairButton';

// Status, pairing progress and the peer's liveness change on their own, so the page asks the server again.
const REFRESH_MS = 2000;

function Command({ children }: { children: string }) {
  return <pre className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs">{children}</pre>;
}

// `failover`: the failover panels of a paired console, rendered on the server (null when no failover worker
// runs here: an unpaired console shows what it did before).
export function HighAvailabilitySection({ view, failover = null }: { view: HighAvailabilityView; failover?: ReactNode }) {
  const [notice, setNotice] = useState<HaNotice | null>(null);
  const { status, self } = view;
  const peer = status.peer;

  let pairCard: ReactNode;
  if (!peer && status.configuredRole === 'STANDALONE')
    pairCard = (
      <Card
        title="Pair with a secondary"
        description={`Run this on the console that is to be the primary. Both consoles need the same model and software version, the same time zone, clocks within ${view.requirements.clockToleranceSeconds} s and their own certificates; this console needs at least ${view.requirements.minConnectedSensors} connected sensors.`}
      >
        <PairForm onPaired={setNotice} />
      </Card>
    );
  else if (!peer)
    pairCard = (
      <Card title="Apply" description="The trusted host was removed; applying ends this console's part in the pair.">
        <ApplyButton onDone={setNotice} />
      </Card>
    );
  else if (peer.status === 'PENDING' && peer.role === 'SECONDARY')
    pairCard = (
      <Card
        title="Pending pair"
        description={`Applying pins both certificates, makes ${peer.domain} the read-only secondary of this console and replaces its data with a snapshot of this console's; the journal then streams to it.`}
      >
        <div className="flex gap-2">
          <ApplyButton onDone={setNotice} />
          <UnpairButton peer={peer.domain} selfDomain={self.domain} label="Remove" onDone={setNotice} />
        </div>
      </Card>
    );
  else if (peer.status === 'PENDING')
    pairCard = (
      <Card title="Pending pair" description={`The pair takes effect when it is applied on the primary, ${peer.domain} (${peer.address}).`}>
        <div className="space-y-3 text-sm text-slate-700">
          <p>On the primary: System Settings → High Availability → Apply, or</p>
          <Command>sudo cyberx-management-trusted-hosts-apply</Command>
          <UnpairButton peer={peer.domain} selfDomain={self.domain} label="Remove" onDone={setNotice} />
        </div>
      </Card>
    );
  else
    pairCard = (
      <Card title="Unpair" description="Unpairing stops replication. Each console leaves the pair on its own side.">
        <div className="space-y-3 text-sm text-slate-700">
          <p>
            Unpair here, then on {peer.domain}: on its System Settings → High Availability page, or with these commands on {peer.domain}:
          </p>
          <Command>{unpairCommands(self.domain)}</Command>
          <UnpairButton peer={peer.domain} selfDomain={self.domain} label="Unpair" onDone={setNotice} />
        </div>
      </Card>
    );

  return (
    <>
      <AutoRefresh active intervalMs={REFRESH_MS} />
      {notice ? <HaNoticeView notice={notice} /> : null}
      <HaStatusPanel view={view} />
      {failover}
      {peer && peer.status !== 'PENDING' ? (
        <Card
          title="Drift check"
          description="Compares a digest of every replicated entity on both consoles, at the same journal position. The same check on the command line: cyberx-management-ha-check."
        >
          <DriftCheck />
        </Card>
      ) : null}
      {pairCard}
      <Card
        title="When the peer is unreachable"
        description="Paired, sensors drop an event only once both consoles hold it. How long the peer may be away before this console says so and releases events on its own copy — or, in strict mode, never."
      >
        <HaSettingsForm unreachableWindowSeconds={view.settings.unreachableWindowSeconds} strictEvents={view.settings.strictEvents} />
      </Card>
    </>
  );
}
