import { isIPv4 } from 'node:net';

// Connection strings as the reference product shows them: `IP:token`, or `IP:port:token` when the
// console does not listen on 443.
export const TOKEN_LENGTH = 32;
const TOKEN_RE = /^[a-z0-9]{32}$/;
const FORMAT_HINT = 'A connection string looks like 10.1.2.3:<32-character token>, or 10.1.2.3:8443:<token> for a port other than 443.';

export type ConnectionString = { ip: string; port: number; token: string };
export type ParseResult = { ok: true; value: ConnectionString } | { ok: false; message: string };

export function formatConnectionString(ip: string, port: number, token: string): string {
  return port === 443 ? `${ip}:${token}` : `${ip}:${port}:${token}`;
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

export function parseConnectionString(input: string): ParseResult {
  const text = input.trim();
  if (!text) return { ok: false, message: 'Enter the connection string shown on the other console under System Settings → Sensor Setup.' };
  const parts = text.split(':');
  if (parts.length !== 2 && parts.length !== 3) return { ok: false, message: FORMAT_HINT };
  const ip = parts[0]!;
  const token = parts[parts.length - 1]!;
  if (!isIPv4(ip)) return { ok: false, message: `"${ip}" is not a valid IPv4 address. ${FORMAT_HINT}` };
  let port = 443;
  if (parts.length === 3) {
    const raw = parts[1]!;
    port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(port >= 1 && port <= 65535)) return { ok: false, message: `"${raw}" is not a valid port (1–65535).` };
  }
  if (!isWellFormedToken(token)) {
    return {
      ok: false,
      message: `The token must be exactly ${TOKEN_LENGTH} lowercase letters and digits; this one has ${token.length} characters${/[^a-z0-9]/.test(token) ? ' and others than those' : ''}.`,
    };
  }
  return { ok: true, value: { ip, port, token } };
}
