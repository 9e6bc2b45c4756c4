import { Readable } from 'node:stream';
import { requireRoleForRoute } from '@/lib/auth/guard';
import { openBackupDownload } from '@/lib/backups/download';
import { backupIdSchema } from '@/lib/backups/schema';

// GET: the backup archive, streamed from the appliance's backups directory (Admin only, audited).
export async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  const user = await requireRoleForRoute('ADMIN');
  if (user instanceof Response) return user;
  const parsed = backupIdSchema.safeParse(await context.params);
  if (!parsed.success) return Response.json({ code: 'INVALID_INPUT', message: parsed.error.issues[0]?.message }, { status: 400 });
  const download = await openBackupDownload(parsed.data.id, { username: user.username, ip: user.ip });
  if (!download.ok) return Response.json({ code: download.code, message: download.message }, { status: 404 });
  return new Response(Readable.toWeb(download.stream) as ReadableStream, {
    headers: {
      // An age file (https://age-encryption.org/v1): nothing a browser should try to open.
      'content-type': 'application/octet-stream',
      'content-length': String(download.sizeBytes),
      'content-disposition': `attachment; filename="${download.fileName}"`,
      'cache-control': 'no-store',
      ...(download.sha256 ? { 'x-content-sha256': download.sha256 } : {}),
    },
  });
}
