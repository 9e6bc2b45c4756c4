import type { IncomingMessage, ServerResponse } from 'node:http';
import { getLogger } from '../../logs/logger.ts';
import { MAX_BODY_BYTES } from '../protocol.ts';
import { runSensorHandler, sensorHandlerFor } from './router.ts';
import { failure, type SensorHttpResponse } from './types.ts';

// Reads at most `limit` + 1 bytes. Past the limit the rest is not kept; the connection is closed after
// the response so a client cannot keep streaming into it.
function readCapped(req: IncomingMessage, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ body: Buffer.alloc(limit + 1), overflow: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (overflow: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ body: Buffer.concat(chunks).subarray(0, limit + 1), overflow });
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) settle(true);
    });
    req.on('end', () => settle(false));
    // A client that goes away mid-body: what arrived is handled (and refused as incomplete JSON).
    req.on('error', () => settle(false));
    req.on('close', () => settle(false));
  });
}

function send(res: ServerResponse, result: SensorHttpResponse, close: boolean): void {
  const payload = JSON.stringify(result.json);
  res.writeHead(result.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(close ? { connection: 'close' } : {}),
    ...result.headers,
  });
  res.end(payload);
}

// The fast path server.ts uses for /api/v1/sensors/*: the same handlers as the Next.js routes, without
// Next's router in between (see docs/sensor-protocol.md for the figures that justify it).
export async function serveSensorRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  try {
    await serve(req, res, pathname);
  } catch (error) {
    // Only the transport can fail here (the handlers' own errors become 500s): never crash the server.
    getLogger('sensors').error({ err: error instanceof Error ? error.message : String(error) }, 'sensor response failed');
    res.destroy();
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const handler = sensorHandlerFor(pathname);
  if (!handler) {
    req.resume();
    return send(
      res,
      failure(
        404,
        'NOT_FOUND',
        `There is no sensor endpoint ${pathname.slice(0, 100)}. Sensor protocol v1 has /api/v1/sensors/register, /heartbeat and /events.`,
      ),
      false,
    );
  }
  const { body, overflow } = await readCapped(req, MAX_BODY_BYTES);
  const ip = (req.headers['x-forwarded-for'] as string | undefined) ?? req.socket.remoteAddress ?? 'unknown';
  const result = await runSensorHandler(handler, { method: req.method ?? 'GET', headers: req.headers, ip, body });
  if (overflow) {
    // Keep reading what the client still sends (discarding it) so it sees the response, not a reset.
    req.resume();
  }
  send(res, result, overflow);
}
