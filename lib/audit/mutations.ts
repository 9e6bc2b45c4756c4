import { db, type Tx } from '../db/client.ts';
import { appendJournal } from '../journal/mutations.ts';
import { getLogger } from '../logs/logger.ts';
import type { AuditInput } from './schema.ts';

// Audit events are written in the caller's transaction when there is one, so that a change and the
// record of who made it cannot be separated. They are also copied to the audit log file, and journaled:
// the audit trail is replicated to a paired console, each event tagged there with this one as origin.
export async function recordAudit(event: AuditInput, tx?: Tx): Promise<void> {
  if (!tx) return db().$transaction((own) => recordAudit(event, own));
  const row = await tx.auditEvent.create({
    select: { id: true },
    data: {
      actor: event.actor,
      action: event.action,
      outcome: event.outcome,
      target: event.target ?? null,
      ip: event.ip ?? null,
      details: event.details ? (event.details as object) : undefined,
    },
  });
  await appendJournal(tx, { entity: 'audit', key: row.id.toString(), op: 'upsert', payload: { id: row.id.toString() } });
  getLogger('audit').info(event, event.action);
}
