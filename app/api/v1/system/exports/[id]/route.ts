import { requireRoleForRoute } from '@/lib/auth/guard';
import { openExportDownload } from '@/lib/export/download';
import { exportIdSchema } from '@/lib/export/schema';

export const dynamic = 'force-dynamic';

// Downloads an encrypted log archive from System Settings → Export.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requireRoleForRoute('ADMIN');
  if (user instanceof Response) return user;
  const id = exportIdSchema.safeParse((await params).id);
  if (!id.success) return Response.json({ code: 'INVALID_INPUT', message: id.error.issues[0]?.message }, { status: 400 });
  const download = await openExportDownload(id.data, { username: user.username, ip: user.ip });
  if (!download.ok) return Response.json({ code: download.code, message: download.message }, { status: 404 });
  return new Response(download.body, {
    headers: {
      'content-type': 'application/zip',
      'content-length': String(download.sizeBytes),
      'content-disposition': `attachment; filename="${download.downloadName}"`,
      'cache-control': 'no-store',
    },
  });
}
