import { db } from '../db/client.ts';
import type { AuditAction } from './schema.ts';

export async function listAuditEvents(filter: { action?: AuditAction; actor?: string } = {}, take = 100) {
  return db().auditEvent.findMany({ where: filter, orderBy: { id: 'desc' }, take });
}
