import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/mutations.ts';
import { db } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import type { Actor } from '../audit/actor.ts';
import { clockOffsetMs } from './clock.ts';
import { forgetSensorAuth, noteAckedSeq, rememberSensorAuth } from './credential-cache.ts';
import { credentialHashesEqual, hashCredential, newCredential } from './credential.ts';
import { mergeDeviceReports, planBatch } from './ingest-plan.ts';
import { forgetLiveness, lastHeardInMemory, type Liveness } from './liveness-buffer.ts';
import type { RegisterRequest, SensorEventInput } from './protocol.ts';
import type { AlertRef } from './schema.ts';

// ---- Registration -------------------------------------------------------------------------------

export type RegisteredSensor = {
  ok: true;
  sensorId: string;
  credential: string;
  ackedSeq: number;
  replicatedSeq: number;
  created: boolean;
  replaced: boolean;
};
export type RegistrationRefused = { ok: false; code: 'NAME_TAKEN'; message: string };

type RegisteredRow = {
  id: string;
  name: string;
  ip: string;
  version: string;
  zone: string;
  registeredAt: Date;
  ackedSeq: bigint;
  replicatedSeq: bigint;
};

// How long after an Admin's "Replace sensor" a registration under that name may take the sensor over.
export const REPLACE_WINDOW_MS = 10 * 60_000;

function nameTaken(name: string, credentialSent: boolean): RegistrationRefused {
  return {
    ok: false,
    code: 'NAME_TAKEN',
    message: credentialSent
      ? `A sensor named "${name}" is already registered and the credential sent is not its current one. Send the credential from its last registration, or have an Admin choose "Replace sensor" for "${name}" on the Sensors page and register again within ${REPLACE_WINDOW_MS / 60_000} minutes.`
      : `A sensor named "${name}" is already registered. To put this sensor in its place, an Admin chooses "Replace sensor" for "${name}" on the Sensors page, then register again within ${REPLACE_WINDOW_MS / 60_000} minutes; or register under another name.`,
  };
}

// Creates the sensor. A name already registered is taken over only by that sensor itself (its current
// credential) or after an Admin allowed its replacement: the connection-string token alone is shared by
// every sensor of the site, so it must not be enough to become another one. A takeover issues a new
// credential to the same sensor id, keeping its stored events so it resumes after ackedSeq; the old
// credential stops working at once. The row is locked by name, so two registrations of one name
// serialize, and a new name is created by one INSERT that a concurrent one cannot duplicate.
export async function registerSensor(
  input: Pick<RegisterRequest, 'name' | 'version' | 'zone' | 'clock' | 'currentCredential'> & { ip: string },
  now = Date.now(),
): Promise<RegisteredSensor | RegistrationRefused> {
  const credential = newCredential();
  const credentialHash = hashCredential(credential);
  const at = new Date(now).toISOString();
  const offset = clockOffsetMs(input.clock, now);
  const result = await db().$transaction(
    async (tx): Promise<(RegisteredRow & { created: boolean; replaced: boolean }) | RegistrationRefused> => {
      const [existing] = await tx.$queryRaw<{ id: string; credentialHash: string; replaceAllowedUntil: Date | null }[]>`
      SELECT id::text AS id, credential_hash AS "credentialHash", replace_allowed_until AS "replaceAllowedUntil"
      FROM "sensor" WHERE name = ${input.name} FOR UPDATE`;
      let row: RegisteredRow | undefined;
      let replaced = false;
      if (existing) {
        const ownCredential =
          input.currentCredential !== undefined && credentialHashesEqual(hashCredential(input.currentCredential), existing.credentialHash);
        replaced = !ownCredential;
        if (!ownCredential && !(existing.replaceAllowedUntil && existing.replaceAllowedUntil.getTime() > now))
          return nameTaken(input.name, input.currentCredential !== undefined);
        [row] = await tx.$queryRaw<RegisteredRow[]>`
        UPDATE "sensor" SET
          ip = ${input.ip}, version = ${input.version}, zone = COALESCE(${input.zone ?? null}::text, zone),
          credential_hash = ${credentialHash}, registered_at = ${at}::timestamptz, last_heard_at = ${at}::timestamptz,
          clock_offset_ms = ${offset}::int, replace_allowed_until = NULL
        WHERE id = ${existing.id}::uuid
        RETURNING id::text AS id, name, ip, version, zone, registered_at AS "registeredAt", acked_seq AS "ackedSeq", replicated_seq AS "replicatedSeq"`;
      } else {
        [row] = await tx.$queryRaw<RegisteredRow[]>`
        INSERT INTO "sensor" (id, name, ip, version, zone, credential_hash, registered_at, last_heard_at, clock_offset_ms)
        VALUES (${randomUUID()}::uuid, ${input.name}, ${input.ip}, ${input.version}, COALESCE(${input.zone ?? null}::text, 'Default'),
                ${credentialHash}, ${at}::timestamptz, ${at}::timestamptz, ${offset}::int)
        ON CONFLICT (name) DO NOTHING
        RETURNING id::text AS id, name, ip, version, zone, registered_at AS "registeredAt", acked_seq AS "ackedSeq", replicated_seq AS "replicatedSeq"`;
        // Registered by someone else since the SELECT: the same refusal as if it had been there before.
        if (!row) return nameTaken(input.name, false);
      }
      const registered = row!;
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
          replaceAllowedUntil: null,
        },
      });
      await recordAudit(
        {
          actor: `sensor:${registered.name}`,
          ip: input.ip,
          action: 'sensor.register',
          outcome: 'success',
          target: registered.id,
          details: { name: registered.name, version: registered.version, reRegistered: Boolean(existing), replaced },
        },
        tx,
      );
      return { ...registered, created: !existing, replaced };
    },
  );
  if (!('id' in result)) return result;
  const ackedSeq = Number(result.ackedSeq);
  const replicatedSeq = Number(result.replicatedSeq);
  rememberSensorAuth(result.id, { name: result.name, credentialHash, ackedSeq, replicatedSeq });
  return { ok: true, sensorId: result.id, credential, ackedSeq, replicatedSeq, created: result.created, replaced: result.replaced };
}

export type AllowReplacementResult = { ok: true; name: string; until: string } | { ok: false; code: 'UNKNOWN_SENSOR'; message: string };

// An Admin's "Replace sensor": for REPLACE_WINDOW_MS, the next registration under this sensor's name
// (with the connection-string token) takes it over — same id, history and alerts — without its
// credential. For new hardware, or a sensor that lost its identity file. Used once.
export async function allowSensorReplacement(sensorId: string, actor: Actor, now = Date.now()): Promise<AllowReplacementResult> {
  const until = new Date(now + REPLACE_WINDOW_MS).toISOString();
  return db().$transaction(async (tx): Promise<AllowReplacementResult> => {
    const [sensor] = await tx.$queryRaw<{ name: string }[]>`
      UPDATE "sensor" SET replace_allowed_until = ${until}::timestamptz WHERE id = ${sensorId}::uuid RETURNING name`;
    if (!sensor)
      return { ok: false, code: 'UNKNOWN_SENSOR', message: 'That sensor no longer exists. It may have been deleted: reload the page.' };
    await appendJournal(tx, {
      entity: 'sensor',
      key: sensorId,
      op: 'upsert',
      payload: { id: sensorId, name: sensor.name, replaceAllowedUntil: until },
    });
    await recordAudit(
      {
        actor: actor.username,
        ip: actor.ip,
        action: 'sensor.replace-allow',
        outcome: 'success',
        target: sensor.name,
        details: { id: sensorId, until },
      },
      tx,
    );
    return { ok: true, name: sensor.name, until };
  });
}

// ---- Heartbeat liveness -------------------------------------------------------------------------

// Writes many sensors' liveness in ONE statement (a JSON array as the single parameter, so 10,000
// sensors do not run into PostgreSQL's 65,535-parameter limit). Liveness is per console and not
// journaled: a paired console hears the sensors itself. Returns the rows updated (deleted sensors
// simply match nothing).
//
// It never waits for a row lock: a sensor row another transaction holds (the peer's journal being
// applied, which upserts sensor rows in its own order, or an event batch) is skipped, its "last heard"
// written by the next flush a second later. Waiting instead deadlocked against the journal apply with
// 1,000 sensors heartbeating a console that was catching up with its peer.
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
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS v(id uuid, heard_at timestamptz, ip text, version text, clock_offset_ms int, counters jsonb)
    ), free AS (
      SELECT s.id FROM "sensor" AS s JOIN v ON v.id = s.id ORDER BY s.id FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE "sensor" AS s SET
      last_heard_at = GREATEST(s.last_heard_at, v.heard_at), ip = v.ip, version = v.version,
      clock_offset_ms = v.clock_offset_ms, counters = v.counters
    FROM v JOIN free ON free.id = v.id
    WHERE s.id = v.id`;
}

// ---- Events -------------------------------------------------------------------------------------

export type IngestResult =
  | { ok: true; ackedSeq: number; replicatedSeq: number; stored: number; duplicates: number }
  | { ok: false; code: 'SEQ_GAP'; expected: number; message: string }
  | { ok: false; code: 'UNKNOWN_SENSOR'; message: string };

// How long a batch may wait to be stored (for a slot, lib/sensors/ingest-slots.ts, then for a connection)
// before the sensor is told the console is busy.
export const INGEST_WAIT_MS = 10_000;

// One batch in one transaction: the sensor row is locked first (FOR UPDATE), so concurrent batches from
// the same sensor serialize and the order rule (ingest-plan.ts) sees the committed ackedSeq. New events
// go in with one multi-row INSERT, devices with one multi-row upsert, then ackedSeq moves to the last seq.
export async function ingestEvents(sensorId: string, events: readonly SensorEventInput[]): Promise<IngestResult> {
  const result = await db().$transaction(
    async (tx): Promise<IngestResult> => {
      const [sensor] = await tx.$queryRaw<
        { ackedSeq: bigint; replicatedSeq: bigint }[]
      >`SELECT acked_seq AS "ackedSeq", replicated_seq AS "replicatedSeq" FROM "sensor" WHERE id = ${sensorId}::uuid FOR UPDATE`;
      if (!sensor)
        return {
          ok: false,
          code: 'UNKNOWN_SENSOR',
          message: 'This sensor is no longer registered (it was deleted). Register it again with the connection string.',
        };
      const plan = planBatch(Number(sensor.ackedSeq), events);
      if (!plan.ok) return plan;
      const replicatedSeq = Number(sensor.replicatedSeq);
      if (plan.fresh.length === 0) return { ok: true, ackedSeq: plan.ackedSeq, replicatedSeq, stored: 0, duplicates: plan.duplicates };

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
        replicatedSeq,
        stored: inserted.length,
        duplicates: plan.duplicates + plan.fresh.length - inserted.length,
      };
    },
    // Under a burst, batches queue for a pooled connection; sensors keep their events until acknowledged.
    { maxWait: INGEST_WAIT_MS, timeout: 20_000 },
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
