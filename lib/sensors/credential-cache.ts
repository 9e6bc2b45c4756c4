import { processSingleton } from '../runtime/process-singleton.ts';
import { getSensorAuth } from './data.ts';

// The credential hashes the sensor guard compares against, kept in memory so that a heartbeat costs no
// database read. Loaded on a miss; replaced on re-registration and dropped on deletion by the mutations
// that make those changes. One per process (processSingleton): server.ts (the sensor fast path) and the
// Next.js bundle are separate module graphs and must see one cache.
export type SensorAuth = { name: string; credentialHash: string; ackedSeq: number; replicatedSeq: number };

type Cache = { entries: Map<string, SensorAuth>; loading: Map<string, Promise<SensorAuth | null>>; generation: Map<string, number> };

const cache = (): Cache =>
  processSingleton('sensor-credentials', () => ({ entries: new Map(), loading: new Map(), generation: new Map() }));

export async function lookupSensorAuth(sensorId: string): Promise<SensorAuth | null> {
  const c = cache();
  const hit = c.entries.get(sensorId);
  if (hit) return hit;
  let pending = c.loading.get(sensorId);
  if (!pending) {
    // A registration or deletion while this load runs makes its result stale: it is then not kept.
    const generation = c.generation.get(sensorId) ?? 0;
    pending = getSensorAuth(sensorId)
      .then((row) => {
        const entry = row
          ? { name: row.name, credentialHash: row.credentialHash, ackedSeq: Number(row.ackedSeq), replicatedSeq: Number(row.replicatedSeq) }
          : null;
        if (entry && (c.generation.get(sensorId) ?? 0) === generation) c.entries.set(sensorId, entry);
        return entry;
      })
      .finally(() => c.loading.delete(sensorId));
    c.loading.set(sensorId, pending);
  }
  return pending;
}

export function rememberSensorAuth(sensorId: string, entry: SensorAuth): void {
  const c = cache();
  c.generation.set(sensorId, (c.generation.get(sensorId) ?? 0) + 1);
  c.entries.set(sensorId, entry);
}

export function forgetSensorAuth(sensorId: string): void {
  const c = cache();
  c.generation.set(sensorId, (c.generation.get(sensorId) ?? 0) + 1);
  c.entries.delete(sensorId);
}

// After events commit: heartbeat responses report the new ackedSeq without reading the database.
export function noteAckedSeq(sensorId: string, ackedSeq: number): void {
  const entry = cache().entries.get(sensorId);
  if (entry && ackedSeq > entry.ackedSeq) entry.ackedSeq = ackedSeq;
}

// After the paired console applied a replication batch: events up to `seq` are held there too.
export function noteReplicatedSeq(sensorId: string, seq: number): void {
  const entry = cache().entries.get(sensorId);
  if (entry && seq > entry.replicatedSeq) entry.replicatedSeq = seq;
}

// For tests: start from an empty cache, as after a restart.
export function clearSensorAuthCache(): void {
  const c = cache();
  for (const id of c.entries.keys()) c.generation.set(id, (c.generation.get(id) ?? 0) + 1);
  c.entries.clear();
}
