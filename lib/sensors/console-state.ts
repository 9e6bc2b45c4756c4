import { getApplianceOrThrow } from '../appliance/data.ts';
import { getAppliedPeer } from './data.ts';
import { processSingleton } from '../runtime/process-singleton.ts';
import type { HeartbeatResponse } from './protocol.ts';
import { HEARTBEAT_STATE_TTL_MS, HEARTBEAT_INTERVAL_MS } from './timing.ts';

export type ConsoleState = Pick<HeartbeatResponse, 'role' | 'state' | 'term' | 'heartbeatIntervalMs' | 'peers'>;

type Cached = { at: number; value: Promise<ConsoleState> } | null;

const holder = () => processSingleton('sensor-console-state', () => ({ cached: null as Cached }));

// The appliance's role, state and term as every heartbeat response carries them, read from the database
// at most once per HEARTBEAT_STATE_TTL_MS however many sensors ask (a failed read is not cached).
export function loadConsoleState(now = Date.now()): Promise<ConsoleState> {
  const slot = holder();
  const cached = slot.cached;
  if (cached && now - cached.at < HEARTBEAT_STATE_TTL_MS) return cached.value;
  const value = Promise.all([getApplianceOrThrow(), getAppliedPeer()]).then(([a, peer]) => ({
    role: a.configuredRole,
    state: a.state,
    term: Number(a.term),
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    // The other console of an applied pair, which sensors fail over to: its web address and the certificate
    // to pin there, learned over the channel the sensor already pinned.
    peers: peer ? [{ address: peer.address, port: peer.port, fingerprint: peer.fingerprint, role: peer.role }] : [],
  }));
  slot.cached = { at: now, value };
  value.catch(() => {
    if (slot.cached?.value === value) slot.cached = null;
  });
  return value;
}
