import { loadHealth } from '@/lib/appliance/health';

export const dynamic = 'force-dynamic';

// Public by design, for load balancers and monitoring: no secrets, no request input.
export async function GET() {
  const health = await loadHealth();
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503 });
}
