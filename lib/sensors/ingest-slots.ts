import { processSingleton } from '../runtime/process-singleton.ts';

// How many event batches may be stored at once. The pool has 10 connections (lib/db/client.ts), and
// batches queue for one for up to 10 s under a burst: with no bound of their own they took every
// connection, and the failover worker, replication and the heartbeats' console-state read waited behind
// a thousand sensors' events (seen at pairing, when the snapshot holds one for seconds). Batches commit one
// at a time anyway (the journal's commit-order lock), so a few in flight keep PostgreSQL busy.
export const INGEST_SLOTS = 4;

type Slots = { free: number; waiting: (() => void)[] };
const slots = (): Slots => processSingleton('sensor-ingest-slots', () => ({ free: INGEST_SLOTS, waiting: [] }));

// Waits at most `maxWaitMs` for a slot. Returns the release function, or null when none came free in time.
export async function takeIngestSlot(maxWaitMs: number): Promise<(() => void) | null> {
  const s = slots();
  const release = () => {
    const next = s.waiting.shift();
    if (next) next();
    else s.free++;
  };
  if (s.free > 0) {
    s.free--;
    return once(release);
  }
  return new Promise((resolve) => {
    const granted = () => {
      clearTimeout(timer);
      resolve(once(release));
    };
    const timer = setTimeout(() => {
      const at = s.waiting.indexOf(granted);
      if (at >= 0) s.waiting.splice(at, 1);
      resolve(null);
    }, maxWaitMs);
    s.waiting.push(granted);
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
