import { processSingleton } from '../runtime/process-singleton.ts';

// Heartbeat liveness held in memory between batched writes (see liveness.ts), one per process: the sensor
// fast path in server.ts and the Next.js bundle are separate module graphs (see processSingleton).
export type Liveness = {
  heardAt: number;
  ip: string;
  version: string;
  clockOffsetMs: number;
  counters: { packets: number; alerts: number; devices: number; outbox: number };
  // The highest HA term the sensor reported; kept for the failover logic (docs/architecture.md, High availability).
  highestTerm: number;
};

type Store = { pending: Map<string, Liveness>; lastHeard: Map<string, number> };

const buffer = (): Store => processSingleton('sensor-liveness-buffer', () => ({ pending: new Map(), lastHeard: new Map() }));

export function bufferHeartbeat(sensorId: string, liveness: Liveness): void {
  const b = buffer();
  b.pending.set(sensorId, liveness);
  b.lastHeard.set(sensorId, liveness.heardAt);
}

// Takes everything waiting to be written, leaving the buffer empty.
export function takePendingLiveness(): Map<string, Liveness> {
  const b = buffer();
  const taken = b.pending;
  b.pending = new Map();
  return taken;
}

// Puts back what a failed write took, unless a newer heartbeat has arrived since.
export function restorePendingLiveness(taken: Map<string, Liveness>): void {
  const b = buffer();
  for (const [id, l] of taken) if (!b.pending.has(id)) b.pending.set(id, l);
}

export function pendingLivenessCount(): number {
  return buffer().pending.size;
}

// When this process last heard from the sensor (it may not be in the database yet).
export function lastHeardInMemory(sensorId: string): number | undefined {
  return buffer().lastHeard.get(sensorId);
}

export function forgetLiveness(sensorId: string): void {
  const b = buffer();
  b.pending.delete(sensorId);
  b.lastHeard.delete(sensorId);
}
