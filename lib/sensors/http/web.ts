import { serveWebRequest } from '../../http/web.ts';
import type { HttpHandler } from '../../http/types.ts';
import { sensorRouter } from './router.ts';

// Adapter for the Next.js route handlers in app/api/v1/sensors/*.
export function serveSensorWebRequest(request: Request, handler: HttpHandler): Promise<Response> {
  return serveWebRequest(request, sensorRouter, handler);
}
