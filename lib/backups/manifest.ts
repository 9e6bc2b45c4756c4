import { z } from 'zod';

// manifest.json, the archive's table of contents (docs/backup-format.md). Bump the format version for
// any change a reader of the previous version would misread; readers refuse versions they do not know.
export const BACKUP_FORMAT = 'otc-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';
export const tableFileName = (table: string) => `tables/${table}.jsonl`;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestTableSchema = z.object({
  name: z.string().min(1),
  file: z.string().min(1),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: sha256Hex,
  columns: z.array(z.object({ name: z.string(), type: z.string(), encoding: z.enum(['json', 'json-text']) })),
});

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  kind: z.enum(['manual', 'scheduled']),
  createdAt: z.iso.datetime(),
  appliance: z.object({ id: z.string(), domain: z.string() }),
  softwareVersion: z.string().min(1),
  lastMigration: z.string().min(1),
  // In restore order: a table comes after every table it references.
  tables: z.array(manifestTableSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestTable = z.infer<typeof manifestTableSchema>;

// Just enough to tell a future format from a damaged file before validating the rest.
export const manifestHeadSchema = z.object({ format: z.literal(BACKUP_FORMAT), formatVersion: z.number().int() });
