import { processSingleton } from './process-singleton.ts';

// Synchronous replication of people's changes (docs/architecture.md, "Replication"): a write made through
// a server action returns once the paired console has committed it too, or after a bounded wait. The
// replication runtime in the server process provides the wait; lib/auth cannot import lib/replication
// (which imports domains that import lib/auth), so the hook lives here, one per process.
export type PeerCommit = 'replicated' | 'pending' | 'standalone';
export type PeerCommitWaiter = (timeoutMs: number) => Promise<PeerCommit>;

export const PEER_COMMIT_WAIT_MS = 2000;

const holder = () => processSingleton('peer-commit', () => ({ waiter: null as PeerCommitWaiter | null }));

export function setPeerCommitWaiter(waiter: PeerCommitWaiter | null): void {
  holder().waiter = waiter;
}

// Waits until the peer holds every journal record committed so far. 'standalone' at once when no pair
// replicates from this process (unpaired, or a command-line process: the running console streams it).
export async function awaitPeerCommit(timeoutMs = PEER_COMMIT_WAIT_MS): Promise<PeerCommit> {
  const waiter = holder().waiter;
  return waiter ? waiter(timeoutMs) : 'standalone';
}
