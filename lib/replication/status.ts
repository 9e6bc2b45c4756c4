import { getApplianceForPeer, getReplicationOrigin, getTrustedPeer, journalHead, oldestAfter } from './data.ts';

export type SnapshotProgress = {
  state: 'none' | 'sending' | 'receiving' | 'done';
  rows: number;
  total: number;
  percent: number;
  seconds: number;
};

// The snapshot of the pair applied at `since`, as the side that sends or receives it recorded it.
export async function loadSnapshotProgress(since: Date): Promise<SnapshotProgress> {
  const host = await getTrustedPeer();
  const rows = Number(host?.snapshotRows ?? 0n);
  const total = Number(host?.snapshotTotal ?? 0n);
  let state = (host?.snapshotState ?? 'none') as SnapshotProgress['state'];
  // A snapshot finished before this apply belongs to an earlier pairing.
  if (state === 'done' && (!host?.snapshotAt || host.snapshotAt < since)) state = 'none';
  return {
    state,
    rows,
    total,
    percent: total === 0 ? (state === 'done' ? 100 : 0) : Math.min(100, Math.floor((rows / total) * 100)),
    seconds: host?.snapshotAt ? Math.max(0, (host.snapshotAt.getTime() - since.getTime()) / 1000) : 0,
  };
}

export type HaStatusView = {
  configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY';
  state: 'ACTIVE' | 'STANDBY' | 'FROZEN';
  term: string;
  peer: null | {
    domain: string;
    address: string;
    peerPort: number;
    fingerprint: string;
    role: 'PRIMARY' | 'SECONDARY';
    status: 'PENDING' | 'PAIRED' | 'UNREACHABLE';
    appliedAt: string | null;
    lastContactAt: string | null;
  };
  // This console's journal as the peer has applied it.
  outgoing: { headSeq: string; peerAppliedSeq: string; backlog: number; lagSeconds: number } | null;
  // The peer's journal as this console has applied it.
  incoming: { appliedSeq: string; lastAppliedAt: string } | null;
  snapshot: { state: string; rows: number; total: number; at: string | null } | null;
};

// The High Availability page and trusted-hosts-list: where this console stands in its pair.
export async function loadHaStatus(now = Date.now()): Promise<HaStatusView> {
  const [self, host, head] = await Promise.all([getApplianceForPeer(), getTrustedPeer(), journalHead()]);
  const applied = host && host.status !== 'PENDING';
  const origin = host ? await getReplicationOrigin(host.applianceId) : null;
  let outgoing: HaStatusView['outgoing'] = null;
  if (host && applied) {
    const behind = head.seq > host.peerAppliedSeq;
    const oldest = behind ? await oldestAfter(host.peerAppliedSeq) : null;
    outgoing = {
      headSeq: head.seq.toString(),
      peerAppliedSeq: host.peerAppliedSeq.toString(),
      backlog: behind ? Number(head.seq - host.peerAppliedSeq) : 0,
      lagSeconds: oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : 0,
    };
  }
  return {
    configuredRole: self.configuredRole,
    state: self.state,
    term: self.term.toString(),
    peer: host && {
      domain: host.domain,
      address: `${host.address}:${host.port}`,
      peerPort: host.peerPort,
      fingerprint: host.fingerprint,
      role: host.role,
      status: host.status,
      appliedAt: host.appliedAt?.toISOString() ?? null,
      lastContactAt: host.lastContactAt?.toISOString() ?? null,
    },
    outgoing,
    incoming:
      origin && !origin.snapshotId ? { appliedSeq: origin.appliedSeq.toString(), lastAppliedAt: origin.updatedAt.toISOString() } : null,
    snapshot:
      host && host.snapshotState !== 'none'
        ? {
            state: host.snapshotState,
            rows: Number(host.snapshotRows),
            total: Number(host.snapshotTotal),
            at: host.snapshotAt?.toISOString() ?? null,
          }
        : null,
  };
}
