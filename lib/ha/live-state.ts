import { processSingleton } from '../runtime/process-singleton.ts';

// The failover worker's view of this console, for the sensor endpoints of the same process: what every
// heartbeat answer says (role, state, term, who is active) without a database read, and the one way a
// sensor's higher term reaches the worker at once — a console that learns of a higher term stops
// accepting writes before it answers anything else.

export type LiveHaState = {
  role: 'PRIMARY' | 'SECONDARY';
  mode: 'ACTIVE' | 'STANDBY' | 'FROZEN';
  term: number;
  active: 'self' | 'peer' | 'unknown';
};

export type TermSource = 'sensor' | 'peer';
type Holder = { state: LiveHaState | null; onHigherTerm: ((term: number, source: TermSource) => void) | null };
const holder = () => processSingleton('ha-live-state', (): Holder => ({ state: null, onHigherTerm: null }));

export function publishLiveHaState(
  state: LiveHaState | null,
  onHigherTerm: ((term: number, source: TermSource) => void) | null = null,
): void {
  const slot = holder();
  slot.state = state;
  slot.onHigherTerm = onHigherTerm;
}

export function liveHaState(): LiveHaState | null {
  return holder().state;
}

// Called with the highest term a sensor reports on every request, and by replication when a peer's
// message carries a term above the stored one.
export function noteHigherTerm(term: number, source: TermSource): void {
  const slot = holder();
  if (slot.state && term > slot.state.term) slot.onHigherTerm?.(term, source);
}
export const noteSensorTerm = (term: number): void => noteHigherTerm(term, 'sensor');
