import type { JournalEntity } from '../journal/schema.ts';
import type { REPLICATED_TABLE_NAMES } from '../peer/replication-protocol.ts';
import { mergeDeviceReports } from '../sensors/ingest-plan.ts';
import type { SensorEventInput } from '../sensors/protocol.ts';

// What is replicated to a paired console, table by table (docs/architecture.md, "Replication").
//
// `local` columns belong to the console that holds the row: a replicated row sets them on insert (from
// the sender's values, a sensible start) but never overwrites them afterwards. Sign-in counters stay per
// console (a lockout on one appliance does not lock the user out of the other), and each console hears
// sensors' heartbeats itself.
//
// `greatest` columns only grow: both consoles of a pair store a sensor's events (it talks to one at a time,
// but a batch may still be on its way from the other), so the stored row keeps the higher of the two.
// `least` columns only shrink, for the same reason: an event the sensor sent to both consoles (the first
// did not make it durable, so it sent it again to the other) was received by the pair when the first one
// got it, and a device was first seen when either saw it. Taking the row from the peer as it comes would
// swap the two consoles' values when each sends its own to the other, and they would never agree.
// `peerHolds` columns say what the paired console holds: a row from the peer carries its own `acked_seq`,
// which the peer therefore holds — sensors may drop those events once this console holds them too.
export type ReplicatedTable = {
  local: readonly string[];
  greatest?: readonly string[];
  least?: readonly string[];
  peerHolds?: Readonly<Record<string, string>>;
};

export const REPLICATED_TABLES = {
  // updated_at moves with a sign-in here too.
  user: { local: ['failed_attempts', 'locked_until', 'last_sign_in_at', 'updated_at'] },
  setting: { local: [] },
  vlan: { local: [] },
  activation: { local: [] },
  sensor: {
    local: ['last_heard_at', 'clock_offset_ms', 'counters', 'replicated_seq'],
    greatest: ['acked_seq', 'alert_count'],
    peerHolds: { replicated_seq: 'acked_seq' },
  },
  sensor_event: { local: [], least: ['received_at'] },
  device: { local: [], least: ['first_seen'], greatest: ['last_seen'] },
  // Keyed on the receiver by (origin, origin_id): ids are each console's own sequence.
  audit_event: { local: [] },
} as const satisfies Record<(typeof REPLICATED_TABLE_NAMES)[number], ReplicatedTable>;

export type ReplicatedTableName = keyof typeof REPLICATED_TABLES;

export const isReplicatedTable = (name: string): name is ReplicatedTableName => Object.hasOwn(REPLICATED_TABLES, name);

// Journal entities that describe this appliance only and are never sent: its certificate (each console
// serves its own), and the backup and log-export archives on its own disk.
export const PER_APPLIANCE_ENTITIES: ReadonlySet<JournalEntity> = new Set(['certificate', 'backup', 'log-export']);

// A row to send as it is now, or as deleted when it is gone: identified by its primary key.
export type RowRef = { table: ReplicatedTableName; key: Record<string, string | number> };

type JournalRowLike = { entity: string; key: string; payload: unknown };

// The rows a journal record is about. The pump sends their current state, not the record's payload:
// read in the same snapshot as the records, that state is what the peer must end up with, and a row
// changed five times in one batch travels once.
export function rowsOf(record: JournalRowLike): RowRef[] {
  const payload = (record.payload ?? {}) as Record<string, unknown>;
  switch (record.entity as JournalEntity) {
    case 'user':
      return [{ table: 'user', key: { id: String(payload.id) } }];
    case 'setting':
      return [{ table: 'setting', key: { key: record.key } }];
    case 'vlan':
      return [{ table: 'vlan', key: { id: Number(record.key) } }];
    case 'activation':
      return [{ table: 'activation', key: { id: 1 } }];
    case 'sensor':
      return [{ table: 'sensor', key: { id: record.key } }];
    case 'sensor-event': {
      const sensorId = String(payload.sensorId);
      // An acknowledgement names one alert; a stored batch carries its events.
      if (!Array.isArray(payload.events)) return [{ table: 'sensor_event', key: { sensor_id: sensorId, seq: Number(payload.seq) } }];
      const events = payload.events as SensorEventInput[];
      return [
        { table: 'sensor', key: { id: sensorId } },
        ...events.map((e): RowRef => ({ table: 'sensor_event', key: { sensor_id: sensorId, seq: e.seq } })),
        ...mergeDeviceReports(events).map((d): RowRef => ({ table: 'device', key: { sensor_id: sensorId, key: d.key } })),
      ];
    }
    case 'audit':
      return [{ table: 'audit_event', key: { id: Number(payload.id) } }];
    case 'certificate':
    case 'backup':
    case 'log-export':
      return [];
  }
  return [];
}

// Parents before children, so foreign keys hold row by row when a batch is applied in this order
// (and deletes go children first, in the reverse order).
export const APPLY_ORDER: readonly ReplicatedTableName[] = [
  'user',
  'setting',
  'vlan',
  'activation',
  'sensor',
  'sensor_event',
  'device',
  'audit_event',
];
