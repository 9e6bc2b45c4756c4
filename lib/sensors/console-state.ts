import { getApplianceOrThrow } from '../appliance/data.ts';
import { getAppliedPeer } from './data.ts';
import { processSingleton } from '../runtime/process-singleton.ts';
import type { HeartbeatResponse } from './protocol.ts';
import { HEARTBEAT_STATE_TTL_MS, HEARTBEAT_INTERVAL_MS } from './timing.ts';

export type ConsoleState = Pick<HeartbeatResponse, 'role' | 'state' | 'term' | 'heartbeatIntervalMs' | 'peers'>;

type Slot = { value: ConsoleState | null; at: number; reading: Promise<ConsoleState> | null };

const holder = () => processSingleton('sensor-console-state', (): Slot => ({ value: null, at: 0, reading: null }));

// How long a known state may still be answered while it is read again. A heartbeat must not wait for a
// pooled connection: when events fill the pool (a pairing's snapshot, a burst), a heartbeat that waited
// for this read missed its timeout, and a thousand sensors left a console that was only busy. The HA
// fields every answer carries (role, state, term, who is active) come from the failover worker's memory
// (lib/ha/live-state.ts), not from here; what is read here changes when an operator pairs or unpairs.
const STALE_FOR_MS = 10 * HEARTBEAT_STATE_TTL_MS;

function read(slot: Slot, at: number): Promise<ConsoleState> {
  const reading = Promise.all([getApplianceOrThrow(), getAppliedPeer()]).then(([a, peer]) => ({
    role: a.configuredRole,
    state: a.state,
    term: Number(a.term),
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    // The other console of an applied pair, which sensors fail over to: its web address and the certificate
    // to pin there, learned over the channel the sensor already pinned.
    peers: peer ? [{ address: peer.address, port: peer.port, fingerprint: peer.fingerprint, role: peer.role }] : [],
  }));
  slot.reading = reading;
  const settled = () => {
    if (slot.reading === reading) slot.reading = null;
  };
  reading.then((value) => {
    settled();
    if (at >= slot.at) Object.assign(slot, { value, at });
  }, settled);
  return reading;
}

// The appliance's role, state and term as every heartbeat response carries them, read from the database
// at most once per HEARTBEAT_STATE_TTL_MS however many sensors ask (a failed read is not kept). Once older
// than that, the known state is answered while one read renews it, for up to STALE_FOR_MS.
export function loadConsoleState(now = Date.now()): Promise<ConsoleState> {
  const slot = holder();
  const age = now - slot.at;
  if (slot.value && age < HEARTBEAT_STATE_TTL_MS) return Promise.resolve(slot.value);
  const reading = slot.reading ?? read(slot, now);
  return slot.value && age < STALE_FOR_MS ? Promise.resolve(slot.value) : reading;
}
