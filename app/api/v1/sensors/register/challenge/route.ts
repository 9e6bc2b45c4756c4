import { handleRegisterChallenge } from '@/lib/sensors/http/challenge';
import { serveSensorWebRequest } from '@/lib/sensors/http/web';

export const dynamic = 'force-dynamic';

// Sensor protocol v1 (docs/sensor-protocol.md), registration step 1. The handler starts with its guard
// (the connection-token throttle) and a zod parse. server.ts serves this path itself before Next.js
// sees it; this route is the same handler for any other way of running the app.
export async function POST(request: Request) {
  return serveSensorWebRequest(request, handleRegisterChallenge);
}
