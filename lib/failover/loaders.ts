import { consoleUrl } from '../ha/write-refusal.ts';
import { getFailoverPeer, latestOwnRoleChange, recentRoleChanges } from './data.ts';
import { failoverRuntime, type FailoverStatus } from './hook.ts';
import { primaryRestored } from './restored.ts';
import { TIMELINE_LIMIT, toTimeline, type TimelineEntry } from './timeline.ts';

export type FailoverView = {
  // Null when no failover worker runs in this process (an unpaired console): the pages then show what
  // they showed before failover existed.
  status: FailoverStatus | null;
  // The other console of the pair, as a browser opens it.
  peer: { domain: string; url: string } | null;
  // The last role changes of both consoles, newest first.
  timeline: TimelineEntry[];
};

// High Availability page and Overview: who is active, the lease, the votes, and the role changes.
export async function loadFailoverView(): Promise<FailoverView> {
  const status = failoverRuntime()?.status() ?? null;
  const [host, rows] = await Promise.all([getFailoverPeer(), recentRoleChanges(TIMELINE_LIMIT)]);
  return {
    status,
    peer: host ? { domain: host.domain, url: consoleUrl(host.address, host.port) } : null,
    timeline: toTimeline(rows, host),
  };
}

export type PrimaryRestoredNotice = { domain: string; url: string };

// The banner of every page of a secondary after the primary it stood in for is back (lib/failover/restored.ts).
export async function loadPrimaryRestoredNotice(): Promise<PrimaryRestoredNotice | null> {
  const status = failoverRuntime()?.status();
  // Cheap checks first: the audit query runs only on a standby secondary whose primary is active.
  if (!status || !primaryRestored(status, 'ha.step-down')) return null;
  const [latest, host] = await Promise.all([latestOwnRoleChange(), getFailoverPeer()]);
  if (!host || !primaryRestored(status, latest?.action ?? null)) return null;
  return { domain: host.domain, url: consoleUrl(host.address, host.port) };
}
