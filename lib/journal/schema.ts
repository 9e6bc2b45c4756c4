import { z } from 'zod';

// The entities whose writes are replicated to a paired console (docs/architecture.md, "The journal").
export const journalEntity = z.enum([
  'user',
  'setting',
  'activation',
  'vlan',
  'certificate',
  'backup',
  'log-export',
  'sensor',
  'sensor-event',
  'audit',
]);
export type JournalEntity = z.infer<typeof journalEntity>;

export const journalOp = z.enum(['upsert', 'delete']);
export type JournalOp = z.infer<typeof journalOp>;

export type JournalEntry = {
  entity: JournalEntity;
  key: string;
  op: JournalOp;
  payload: Record<string, unknown>;
};
