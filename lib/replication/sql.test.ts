import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../backups/tables.ts';
import { upsertRowsSql } from './sql.ts';

const column = (name: string) => ({ name, type: 'text', json: false, generated: false, sequence: null });
const table = (name: string, columns: string[], primaryKey: string[]): TableInfo => ({
  name,
  columns: columns.map(column),
  primaryKey,
  references: [],
});

describe('the upsert of rows from the peer', () => {
  it('merges what both consoles received on their own so that the order of arrival does not matter', () => {
    const events = upsertRowsSql(table('sensor_event', ['sensor_id', 'seq', 'kind', 'received_at', 'payload'], ['sensor_id', 'seq']));
    expect(events).toContain('"received_at" = LEAST("sensor_event"."received_at", EXCLUDED."received_at")');
    expect(events).toContain('"kind" = EXCLUDED."kind"');
    const devices = upsertRowsSql(table('device', ['sensor_id', 'key', 'protocol', 'first_seen', 'last_seen'], ['sensor_id', 'key']));
    expect(devices).toContain('"first_seen" = LEAST("device"."first_seen", EXCLUDED."first_seen")');
    expect(devices).toContain('"last_seen" = GREATEST("device"."last_seen", EXCLUDED."last_seen")');
  });
});
