// The sensor endpoints as plain functions, independent of any web framework: the Next.js route handlers
// and the fast path in server.ts both translate to and from these shapes.
export type SensorHttpRequest = {
  method: string;
  // Lower-case names, as Node delivers them.
  headers: Record<string, string | string[] | undefined>;
  // The socket's address (server.ts overwrites any client-sent X-Forwarded-For with it).
  ip: string;
  // At most MAX_BODY_BYTES + 1 bytes: readers stop there, and one byte over is enough to refuse.
  body: Buffer;
};

export type SensorHttpResponse = { status: number; json: unknown; headers?: Record<string, string> };

export type SensorHandler = (request: SensorHttpRequest) => Promise<SensorHttpResponse>;

export function headerOf(request: SensorHttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function failure(status: number, code: string, message: string, headers?: Record<string, string>): SensorHttpResponse {
  return { status, json: { code, message }, headers };
}
