import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/mutations.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { clockOffsetMs } from './clock.ts';
import { forgetSensorAuth, noteAckedSeq, rememberSensorAuth } from './credential-cache.ts';
import { hashCredential, newCredential } from './credential.ts';
import { mergeDeviceReports, planBatch } from './ingest-plan.ts';
import { forgetLiveness, lastHeardInMemory, type Liveness } from './liveness-buffer.ts';
import type { RegisterRequest, SensorEventInput } from './protocol.ts';
import type { AlertRef } from './schema.ts';

// ---- Registration -------------------------------------------------------------------------------

export type RegisteredSensor = { sensorId: string; credential: string; ackedSeq: number; created: boolean };

type RegisteredRow = {
  id: string;
  name: string;
  ip: string;
  version: string;
  zone: string;
  registeredAt: Date;
  ackedSeq: bigint;
  created: boolean;
};

// Creates the sensor, or — for a name already registered — issues it a new credential (the connection-
// string token the caller checked proves the authority to do so), keeping its id and stored events so it
// resumes after ackedSeq. The old credential stops working at once. One statement, so two sensors
// registering the same new name at the same time cannot both create it.
export async function registerSensor(
  input: Pick<RegisterRequest, 'name' | 'version' | 'zone' | 'clock'> & { ip: string },
  now = Date.now(),
): Promise<RegisteredSensor> {
  const credential = newCredential();
  const credentialHash = hashCredential(credential);
  const at = new Date(now).toISOString();
  const offset = clockOffsetMs(input.clock, now);
  const row = await db().$transaction(async (tx) => {
    const [r] = await tx.$queryRaw<RegisteredRow[]>`
      INSERT INTO "sensor" (id, name, ip, version, zone, credential_hash, registered_at, last_heard_at, clock_offset_ms)
      VALUES (${randomUUID()}::uuid, ${input.name}, ${input.ip}, ${input.version}, COALESCE(${input.zone ?? null}::text, 'Default'),
              ${credentialHash}, ${at}::timestamptz, ${at}::timestamptz, ${offset}::int)
      ON CONFLICT (name) DO UPDATE SET
        ip = EXCLUDED.ip, version = EXCLUDED.version, zone = COALESCE(${input.zone ?? null}::text, "sensor".zone),
        credential_hash = EXCLUDED.credential_hash, registered_at = EXCLUDED.registered_at,
        last_heard_at = EXCLUDED.last_heard_at, clock_offset_ms = EXCLUDED.clock_offset_ms
      RETURNING id::text AS id, name, ip, version, zone, registered_at AS "registeredAt", acked_seq AS "ackedSeq", (xmax = 0) AS created`;
    const registered = r!;
    // The hash (never the credential) travels, so that a paired console can authenticate the sensor too.
    await appendJournal(tx, {
      entity: 'sensor',
      key: registered.id,
      op: 'upsert',
      payload: {
        id: registered.id,
        name: registered.name,
        ip: registered.ip,
        version: registered.version,
        zone: registered.zone,
        credentialHash,
        registeredAt: registered.registeredAt.toISOString(),
      },
    });
    await recordAudit(
      {
        actor: `sensor:${registered.name}`,
        ip: input.ip,
        action: 'sensor.register',
        outcome: 'success',
        target: registered.id,
        details: { name: registered.name, version: registered.version, reRegistered: !registered.created },
      },
      tx,
    );
    return registered;
  });
  const ackedSeq = Number(row.ackedSeq);
  rememberSensorAuth(row.id, { name: row.name, credentialHash, ackedSeq });
  return { sensorId: row.id, credential, ackedSeq, created: row.created };
}

// ---- Heartbeat liveness -------------------------------------------------------------------------

// Writes many sensors' liveness in ONE statement (a JSON array as the single parameter, so 10,000
// sensors do not run into PostgreSQL's 65,535-parameter limit). Liveness is per console and not
// journaled: a paired console hears the sensors itself. Returns the rows updated (deleted sensors
// simply match nothing).
export async function writeSensorLiveness(entries: ReadonlyMap<string, Liveness>): Promise<number> {
  if (entries.size === 0) return 0;
  const rows = [...entries]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, l]) => ({
      id,
      heard_at: new Date(l.heardAt).toISOString(),
      ip: l.ip,
      version: l.version,
      clock_offset_ms: l.clockOffsetMs,
      counters: l.counters,
    }));
  return db().$executeRaw`
    UPDATE "sensor" AS s SET
      last_heard_at = GREATEST(s.last_heard_at, v.heard_at), ip = v.ip, version = v.version,
      clock_offset_ms = v.clock_offset_ms, counters = v.counters
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(id uuid, heard_at timestamptz, ip text, version text, clock_offset_ms int, counters jsonb)
    WHERE s.id = v.id`;
}

// ---- Events -------------------------------------------------------------------------------------

export type IngestResult =
  | { ok: true; ackedSeq: number; stored: number; duplicates: number }
  | { ok: false; code: 'SEQ_GAP'; expected: number; message: string }
  | { ok: false; code: 'UNKNOWN_SENSOR'; message: string };

// One batch in one transaction: the sensor row is locked first (FOR UPDATE), so concurrent batches from
// the same sensor serialize and the order rule (ingest-plan.ts) sees the committed ackedSeq. New events
// go in with one multi-row INSERT, devices with one multi-row upsert, then ackedSeq moves to the last seq.
export async function ingestEvents(sensorId: string, events: readonly SensorEventInput[]): Promise<IngestResult> {
  const result = await db().$transaction(
    async (tx): Promise<IngestResult> => {
      const [sensor] = await tx.$queryRaw<
        { ackedSeq: bigint }[]
      >`SELECT acked_seq AS "ackedSeq" FROM "sensor" WHERE id = ${sensorId}::uuid FOR UPDATE`;
      if (!sensor)
        return {
          ok: false,
          code: 'UNKNOWN_SENSOR',
          message: 'This sensor is no longer registered (it was deleted). Register it again with the connection string.',
        };
      const plan = planBatch(Number(sensor.ackedSeq), events);
      if (!plan.ok) return plan;
      if (plan.fresh.length === 0) return { ok: true, ackedSeq: plan.ackedSeq, stored: 0, duplicates: plan.duplicates };

      const rows = plan.fresh.map((e) => ({
        seq: e.seq,
        kind: e.kind,
        occurred_at: new Date(e.at).toISOString(),
        severity: e.kind === 'alert' ? e.severity : null,
        title: e.kind === 'alert' ? e.title : null,
        payload: e,
      }));
      const inserted = await tx.$queryRaw<{ kind: string }[]>`
        INSERT INTO "sensor_event" (sensor_id, seq, kind, occurred_at, severity, title, payload)
        SELECT ${sensorId}::uuid, r.seq, r.kind, r.occurred_at, r.severity, r.title, r.payload
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS r(seq bigint, kind text, occurred_at timestamptz, severity text, title text, payload jsonb)
        ON CONFLICT DO NOTHING
        RETURNING kind`;

      const devices = mergeDeviceReports(plan.fresh).map((d) => ({
        ...d,
        firstSeen: new Date(d.firstSeen).toISOString(),
        lastSeen: new Date(d.lastSeen).toISOString(),
      }));
      if (devices.length > 0) {
        await tx.$executeRaw`
          INSERT INTO "device" (sensor_id, key, protocol, vendor, ip, first_seen, last_seen)
          SELECT ${sensorId}::uuid, d.key, d.protocol, d.vendor, d.ip, d."firstSeen", d."lastSeen"
          FROM jsonb_to_recordset(${JSON.stringify(devices)}::jsonb)
            AS d(key text, protocol text, vendor text, ip text, "firstSeen" timestamptz, "lastSeen" timestamptz)
          ON CONFLICT (sensor_id, key) DO UPDATE SET
            protocol = EXCLUDED.protocol,
            vendor = COALESCE(EXCLUDED.vendor, "device".vendor),
            ip = COALESCE(EXCLUDED.ip, "device".ip),
            first_seen = LEAST("device".first_seen, EXCLUDED.first_seen),
            last_seen = GREATEST("device".last_seen, EXCLUDED.last_seen)`;
      }
      const alerts = inserted.filter((r) => r.kind === 'alert').length;
      await tx.$executeRaw`UPDATE "sensor" SET acked_seq = ${plan.ackedSeq}::bigint, alert_count = alert_count + ${alerts}::int WHERE id = ${sensorId}::uuid`;
      // Sensor events are replicated (docs/architecture.md, "The journal"): one journal row per stored batch.
      const first = plan.fresh[0]!.seq;
      await appendJournal(tx, {
        entity: 'sensor-event',
        key: `${sensorId}:${first}-${plan.ackedSeq}`,
        op: 'upsert',
        payload: { sensorId, events: plan.fresh },
      });
      return {
        ok: true,
        ackedSeq: plan.ackedSeq,
        stored: inserted.length,
        duplicates: plan.duplicates + plan.fresh.length - inserted.length,
      };
    },
    // Under a burst, batches queue for a pooled connection; sensors keep their events until acknowledged.
    { maxWait: 10_000, timeout: 20_000 },
  );
  if (result.ok) noteAckedSeq(sensorId, result.ackedSeq);
  else if (result.code === 'UNKNOWN_SENSOR') forgetSensorAuth(sensorId);
  return result;
}

// ---- Operator actions ---------------------------------------------------------------------------

export type DeleteSensorResult = { ok: true; name: string } | { ok: false; code: 'UNKNOWN_SENSOR' | 'SENSOR_CONNECTED'; message: string };

// Only a disconnected sensor may be deleted: a connected one would simply keep reporting, and its events
// and devices go with it. "Connected" counts heartbeats this process has not written yet.
export async function deleteSensor(
  sensorId: string,
  actor: Actor,
  options: { disconnectAfterMs: number; now?: number },
): Promise<DeleteSensorResult> {
  const now = options.now ?? Date.now();
  const result = await db().$transaction(async (tx): Promise<DeleteSensorResult> => {
    const [sensor] = await tx.$queryRaw<{ name: string; lastHeardAt: Date | null; alertCount: number }[]>`
      SELECT name, last_heard_at AS "lastHeardAt", alert_count AS "alertCount" FROM "sensor" WHERE id = ${sensorId}::uuid FOR UPDATE`;
    if (!sensor)
      return {
        ok: false,
        code: 'UNKNOWN_SENSOR',
        message: 'That sensor no longer exists. It may have been deleted already: reload the page.',
      };
    const heard = Math.max(sensor.lastHeardAt?.getTime() ?? 0, lastHeardInMemory(sensorId) ?? 0);
    if (heard > 0 && now - heard <= options.disconnectAfterMs) {
      const ago = Math.max(0, Math.round((now - heard) / 1000));
      return {
        ok: false,
        code: 'SENSOR_CONNECTED',
        message: `Sensor "${sensor.name}" is connected (last heartbeat ${ago} s ago). Stop the sensor first, then delete it once it shows Disconnected.`,
      };
    }
    await tx.$executeRaw`DELETE FROM "sensor" WHERE id = ${sensorId}::uuid`;
    await appendJournal(tx, { entity: 'sensor', key: sensorId, op: 'delete', payload: { id: sensorId, name: sensor.name } });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'sensor.delete',
        outcome: 'success',
        target: sensor.name,
        details: { id: sensorId, alerts: sensor.alertCount },
      },
      tx,
    );
    return { ok: true, name: sensor.name };
  });
  if (result.ok) {
    forgetSensorAuth(sensorId);
    forgetLiveness(sensorId);
  }
  return result;
}

export type AcknowledgeResult =
  { ok: true; title: string } | { ok: false; code: 'UNKNOWN_ALERT' | 'ALREADY_ACKNOWLEDGED'; message: string };

export async function acknowledgeAlert(ref: AlertRef, actor: Actor, now = Date.now()): Promise<AcknowledgeResult> {
  const at = new Date(now).toISOString();
  return db().$transaction(async (tx): Promise<AcknowledgeResult> => {
    const [updated] = await tx.$queryRaw<{ title: string | null; sensorName: string }[]>`
      UPDATE "sensor_event" AS e SET acknowledged_at = ${at}::timestamptz, acknowledged_by = ${actor.username}
      FROM "sensor" AS s
      WHERE e.sensor_id = ${ref.sensorId}::uuid AND e.seq = ${ref.seq}::bigint AND e.kind = 'alert' AND e.acknowledged_at IS NULL AND s.id = e.sensor_id
      RETURNING e.title, s.name AS "sensorName"`;
    if (!updated) {
      const existing = await tx.sensorEvent.findUnique({
        where: { sensorId_seq: { sensorId: ref.sensorId, seq: BigInt(ref.seq) } },
        select: { kind: true, acknowledgedAt: true, acknowledgedBy: true },
      });
      if (existing?.kind === 'alert' && existing.acknowledgedAt) {
        return {
          ok: false,
          code: 'ALREADY_ACKNOWLEDGED',
          message: `This alert was already acknowledged by ${existing.acknowledgedBy ?? 'someone'} at ${existing.acknowledgedAt.toISOString()}.`,
        };
      }
      return {
        ok: false,
        code: 'UNKNOWN_ALERT',
        message: 'That alert no longer exists (its sensor may have been deleted). Reload the page.',
      };
    }
    await appendJournal(tx, {
      entity: 'sensor-event',
      key: `${ref.sensorId}:${ref.seq}`,
      op: 'upsert',
      payload: { sensorId: ref.sensorId, seq: ref.seq, acknowledgedAt: at, acknowledgedBy: actor.username },
    });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'alert.acknowledge',
        outcome: 'success',
        target: `${updated.sensorName}#${ref.seq}`,
        details: { title: updated.title },
      },
      tx,
    );
    return { ok: true, title: updated.title ?? '' };
  });
}
