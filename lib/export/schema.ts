import { z } from 'zod';
import { LOG_CATEGORIES } from '../logs/categories.ts';

// The last this many exports are kept; older rows and archives go when a new one completes.
export const EXPORTS_KEPT = 5;
// The one-time archive password: long enough for AES-256 via PBKDF2, short enough to read out on a call.
export const EXPORT_PASSWORD_LENGTH = 20;

export type LogExportStatus = 'running' | 'ready' | 'failed';

export const startExportSchema = z
  .object({
    categories: z
      .array(z.enum(LOG_CATEGORIES, `Choose log categories from the list (${LOG_CATEGORIES.join(', ')}).`))
      .min(1, 'Choose at least one category.')
      // In the list's order and once each, whatever the browser sent.
      .transform((chosen) => LOG_CATEGORIES.filter((category) => chosen.includes(category))),
  })
  .strict();

export const exportIdSchema = z.uuid('An export ID is a UUID, as in the Download link of System Settings → Export.');

// The name the browser saves the archive under, e.g. otc-logs-2026-01-31-101530.zip (UTC).
export function exportDownloadName(createdAt: Date): string {
  const iso = createdAt.toISOString();
  return `otc-logs-${iso.slice(0, 10)}-${iso.slice(11, 19).replaceAll(':', '')}.zip`;
}

export type StartExportResult =
  { ok: true; data: { id: string; password: string } } | { ok: false; code: 'EXPORT_RUNNING'; message: string };
