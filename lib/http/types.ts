// The framework-free request/response layer the console's fast paths share (sensor protocol, later the
// peer protocol): handlers are plain functions, and the Next.js route handlers and server.ts's own
// listener both translate to and from these shapes.
export type HttpRequest = {
  method: string;
  // Lower-case names, as Node delivers them.
  headers: Record<string, string | string[] | undefined>;
  // The socket's address (server.ts overwrites any client-sent X-Forwarded-For with it).
  ip: string;
  // The body, read on the first call (later calls get the same bytes). At most the router's limit + 1
  // bytes: one byte over is enough to refuse. Handlers call it after their guard, so a refused request
  // costs no body read.
  body: () => Promise<Buffer>;
  // SHA-256 fingerprint ("AB:CD:…") of the certificate this console served on the request's TLS
  // connection, when the transport can tell (the Next.js adapter cannot).
  servedCertificate?: () => string | null;
};

export type HttpResponse = { status: number; json: unknown; headers?: Record<string, string> };

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export function headerOf(request: Pick<HttpRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function failure(status: number, code: string, message: string, headers?: Record<string, string>): HttpResponse {
  return { status, json: { code, message }, headers };
}

export function isHttpResponse(value: unknown): value is HttpResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'json' in value;
}
