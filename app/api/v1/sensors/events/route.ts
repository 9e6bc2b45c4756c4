import { handleEvents } from '@/lib/sensors/http/events';
import { serveSensorWebRequest } from '@/lib/sensors/http/web';

export const dynamic = 'force-dynamic';

// Sensor protocol v1 (docs/sensor-protocol.md). The handler starts with its guard (requireSensor) and
// a zod parse. server.ts serves this path itself before Next.js sees it; this route is the same handler
// for any other way of running the app.
export async function POST(request: Request) {
  return serveSensorWebRequest(request, handleEvents);
}
