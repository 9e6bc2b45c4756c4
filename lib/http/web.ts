import { runHandler, type HttpRouter } from './router.ts';
import type { HttpHandler, HttpRequest, HttpResponse } from './types.ts';

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

// A web Request as the plain request the handlers take (the body read on demand, as on the fast path).
export function fromWebRequest(request: Request, maxBodyBytes: number): HttpRequest {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  let reading: Promise<Buffer> | null = null;
  return {
    method: request.method,
    headers,
    ip: headers['x-forwarded-for'] ?? 'unknown',
    // A body that breaks off (client gone) reads as empty and is refused as such.
    body: () => (reading ??= readCapped(request, maxBodyBytes).catch(() => Buffer.alloc(0))),
  };
}

export function toWebResponse(result: HttpResponse): Response {
  return Response.json(result.json, { status: result.status, headers: { 'cache-control': 'no-store', ...result.headers } });
}

// Adapter for the Next.js route handlers.
export async function serveWebRequest(request: Request, router: HttpRouter, handler: HttpHandler): Promise<Response> {
  const result = await runHandler(router.logCategory, handler, fromWebRequest(request, router.maxBodyBytes));
  if (!request.bodyUsed) await request.body?.cancel().catch(() => undefined);
  return toWebResponse(result);
}
