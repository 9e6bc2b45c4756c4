import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveNodeRequest } from '../../http/node.ts';
import { sensorRouter } from './router.ts';

// server.ts's fast path for /api/v1/sensors/*.
export function serveSensorRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  return serveNodeRequest(sensorRouter, req, res, pathname);
}
