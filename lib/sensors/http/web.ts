import { MAX_BODY_BYTES } from '../protocol.ts';
import { runSensorHandler } from './router.ts';
import type { SensorHandler } from './types.ts';

// Reads at most `limit` + 1 bytes, then stops: one byte over is enough to refuse, and a client
// streaming gigabytes costs no more than that.
async function readCapped(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    return Buffer.alloc(limit + 1);
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit + 1);
}

// Adapter for the Next.js route handlers in app/api/v1/sensors/*.
export async function serveWebRequest(request: Request, handler: SensorHandler): Promise<Response> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  // A body that breaks off (client gone) reads as empty and is refused as such.
  const body = await readCapped(request, MAX_BODY_BYTES).catch(() => Buffer.alloc(0));
  const result = await runSensorHandler(handler, { method: request.method, headers, ip: headers['x-forwarded-for'] ?? 'unknown', body });
  return Response.json(result.json, { status: result.status, headers: { 'cache-control': 'no-store', ...result.headers } });
}
