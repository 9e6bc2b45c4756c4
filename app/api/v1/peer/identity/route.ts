import { z } from 'zod';
import { loadPeerIdentity } from '@/lib/appliance/identity';
import { requireConnectionToken } from '@/lib/appliance/token-guard';
import { fromWebRequest, toWebResponse } from '@/lib/http/web';

export const dynamic = 'force-dynamic';

const querySchema = z.object({}).strict();

// Pairing step 2: a console holding this appliance's connection-string token fetches its identity and
// certificate.
export async function GET(request: Request) {
  const allowed = await requireConnectionToken(fromWebRequest(request, 0));
  if (allowed !== true) return toWebResponse(allowed);
  const query = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return Response.json({ code: 'INVALID_INPUT', message: 'This endpoint takes no query parameters.' }, { status: 400 });
  return Response.json(await loadPeerIdentity());
}
