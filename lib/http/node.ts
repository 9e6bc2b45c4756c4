import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { getLogger } from '../logs/logger.ts';
import { runHandler, type HttpRouter } from './router.ts';
import type { HttpResponse } from './types.ts';

type Read = { body: Buffer; overflow: boolean };

// Reads at most `limit` + 1 bytes. Past the limit the rest is not kept; the connection is closed after
// the response so a client cannot keep streaming into it.
function readCapped(req: IncomingMessage, limit: number): Promise<Read> {
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
    // A client that went away before the handler asked for the body: what arrived is all there is.
    if (req.destroyed) return settle(false);
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

function send(res: ServerResponse, result: HttpResponse, close: boolean): void {
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

function servedFingerprint(req: IncomingMessage): string | null {
  const socket = req.socket as Partial<TLSSocket>;
  return typeof socket.getX509Certificate === 'function' ? (socket.getX509Certificate()?.fingerprint256 ?? null) : null;
}

// The fast path server.ts uses for a router's prefix: the same handlers as the Next.js routes, without
// Next's router in between (see docs/sensor-protocol.md for the figures that justify it).
export async function serveNodeRequest(router: HttpRouter, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  try {
    await serve(router, req, res, pathname);
  } catch (error) {
    // Only the transport can fail here (the handlers' own errors become 500s): never crash the server.
    getLogger(router.logCategory).error({ err: error instanceof Error ? error.message : String(error) }, 'response failed');
    res.destroy();
  }
}

async function serve(router: HttpRouter, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const handler = router.handlerFor(pathname);
  if (!handler) {
    req.resume();
    return send(res, router.notFound(pathname), false);
  }
  const reading: { started: Promise<Read> | null } = { started: null };
  const ip = (req.headers['x-forwarded-for'] as string | undefined) ?? req.socket.remoteAddress ?? 'unknown';
  const result = await runHandler(router.logCategory, handler, {
    method: req.method ?? 'GET',
    headers: req.headers,
    ip,
    body: async () => (await (reading.started ??= readCapped(req, router.maxBodyBytes))).body,
    servedCertificate: () => servedFingerprint(req),
  });
  const read = reading.started ? await reading.started : null;
  // Refused before its body was read (the guard answers first): whatever is still coming is discarded,
  // and unless it has all arrived already the connection closes after the answer, so a client that
  // never finishes its body holds nothing open.
  const unfinished = read ? read.overflow : !req.complete;
  if (unfinished || !read) req.resume();
  send(res, result, unfinished);
}
