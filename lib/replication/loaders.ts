import { getTrustedPeer } from './data.ts';
import { replicationRuntime } from './runtime.ts';

export type PeerAwayNotice = { peer: string; seconds: number; strict: boolean };

// The banner of every console page while the paired console has not answered past the window
// (ha.unreachableWindowSeconds): what is at stake is said on every page, not only on the HA page.
export async function loadPeerAwayNotice(now = Date.now()): Promise<PeerAwayNotice | null> {
  const degraded = replicationRuntime()?.degraded() ?? null;
  if (!degraded) return null;
  const host = await getTrustedPeer();
  return { peer: host?.domain ?? 'the paired console', seconds: Math.round((now - degraded.since) / 1000), strict: degraded.strict };
}
