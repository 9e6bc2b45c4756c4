// How often sensors send heartbeats. A constant rather than a setting: the sensors' failover rule
// (3 missed heartbeats) and the Disconnected window are tuned around it. Every heartbeat
// response carries it, so a future change reaches running sensors without reconfiguring them.
export const HEARTBEAT_INTERVAL_MS = 1000;

// Heartbeat liveness is buffered in memory and written in one statement this often.
export const LIVENESS_FLUSH_MS = 1000;

// The appliance's role, state and term, as heartbeat responses report them, are read at most this often.
export const HEARTBEAT_STATE_TTL_MS = 1000;
