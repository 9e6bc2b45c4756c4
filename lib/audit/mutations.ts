import { db, type Tx } from '../db/client.ts';
import { getLogger } from '../logs/logger.ts';
import type { AuditInput } from './schema.ts';

// Audit events are written in the caller's transaction when there is one, so that a change and the
// record of who made it cannot be separated. They are also copied to the audit log file.
export async function recordAudit(event: AuditInput, tx?: Tx): Promise<void> {
  await (tx ?? db()).auditEvent.create({
    data: {
      actor: event.actor,
      action: event.action,
      outcome: event.outcome,
      target: event.target ?? null,
      ip: event.ip ?? null,
      details: event.details ? (event.details as object) : undefined,
    },
  });
  getLogger('audit').info(event, event.action);
}
