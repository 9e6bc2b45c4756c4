import type { SensorEventInput } from './protocol.ts';

export type BatchPlan<E extends { seq: number }> =
  { ok: true; fresh: E[]; duplicates: number; ackedSeq: number } | { ok: false; code: 'SEQ_GAP'; expected: number; message: string };

// The order rule of protocol v1 for one batch of consecutive seqs, given what is already stored
// (every seq 1..ackedSeq): events at or below ackedSeq are replays and are skipped; a batch that starts
// beyond ackedSeq + 1 would leave a hole and is refused whole, so that the stored seqs stay exactly
// 1..ackedSeq and the sensor knows where to resume.
export function planBatch<E extends { seq: number }>(ackedSeq: number, events: readonly E[]): BatchPlan<E> {
  const first = events[0];
  if (first && first.seq > ackedSeq + 1) {
    const expected = ackedSeq + 1;
    return {
      ok: false,
      code: 'SEQ_GAP',
      expected,
      message: `expected seq ${expected}: this console has stored every event up to ${ackedSeq}. Resend from ${expected}.`,
    };
  }
  const fresh = events.filter((e) => e.seq > ackedSeq);
  const last = fresh.at(-1);
  return { ok: true, fresh, duplicates: events.length - fresh.length, ackedSeq: last ? last.seq : ackedSeq };
}

export type DeviceUpsert = { key: string; protocol: string; vendor: string | null; ip: string | null; firstSeen: number; lastSeen: number };

// One row per device key (a multi-row upsert may touch each row once): the latest report's details win,
// missing details keep what an earlier report said, and the times span every report in the batch.
export function mergeDeviceReports(events: readonly SensorEventInput[]): DeviceUpsert[] {
  const byKey = new Map<string, DeviceUpsert>();
  for (const e of events) {
    if (e.kind !== 'device') continue;
    const seen = byKey.get(e.key);
    byKey.set(e.key, {
      key: e.key,
      protocol: e.protocol,
      vendor: e.vendor ?? seen?.vendor ?? null,
      ip: e.ip ?? seen?.ip ?? null,
      firstSeen: Math.min(seen?.firstSeen ?? e.at, e.at),
      lastSeen: Math.max(seen?.lastSeen ?? e.at, e.at),
    });
  }
  return [...byKey.values()];
}
