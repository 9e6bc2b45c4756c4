import { getLogger } from '../logs/logger.ts';
import { processSingleton } from '../runtime/process-singleton.ts';
import { bufferHeartbeat, pendingLivenessCount, restorePendingLiveness, takePendingLiveness, type Liveness } from './liveness-buffer.ts';
import { writeSensorLiveness } from './mutations.ts';
import { LIVENESS_FLUSH_MS } from './timing.ts';

// Heartbeats are the hot path (10,000 sensors → 10,000 per second): each one only updates memory, and a
// flusher writes everything heard since its last run in one statement about once a second. A crash loses
// at most that second of "last heard" times, which the next heartbeats restore.
type Flusher = { timer: NodeJS.Timeout | null; running: Promise<number> | null };

const flusher = (): Flusher => processSingleton('sensor-liveness-flusher', () => ({ timer: null, running: null }));

export function recordHeartbeat(sensorId: string, liveness: Liveness): void {
  bufferHeartbeat(sensorId, liveness);
  const f = flusher();
  if (!f.timer) {
    f.timer = setInterval(() => void flushSensorLiveness().catch(() => undefined), LIVENESS_FLUSH_MS);
    // The flusher alone never keeps the process alive.
    f.timer.unref();
  }
}

// Writes what is buffered now (also used by tests and at shutdown). One write at a time: a flush that
// finds another running waits for it, then writes whatever arrived meanwhile.
export async function flushSensorLiveness(): Promise<number> {
  const f = flusher();
  while (f.running) await f.running.catch(() => undefined);
  if (pendingLivenessCount() === 0) return 0;
  const taken = takePendingLiveness();
  f.running = writeSensorLiveness(taken)
    .catch((error: unknown) => {
      restorePendingLiveness(taken);
      getLogger('sensors').error(
        { err: error instanceof Error ? error.message : String(error), sensors: taken.size },
        'writing heartbeat liveness failed; retrying',
      );
      throw error;
    })
    .finally(() => {
      f.running = null;
    });
  return f.running;
}

export function stopLivenessFlusher(): void {
  const f = flusher();
  if (f.timer) clearInterval(f.timer);
  f.timer = null;
}
