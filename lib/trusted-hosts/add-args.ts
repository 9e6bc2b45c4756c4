import { isIPv4 } from 'node:net';
import { parseConnectionString } from '../appliance/connection-string.ts';

export type AddArgs = { host: string; port: number; token: string; confirmReplace: boolean };
export type AddArgsResult = { ok: true; args: AddArgs } | { ok: false; message: string };

const VALUED = new Set(['ip', 'token', 'port', 'connection-string']);
const FLAGS = new Set(['confirm-replace']);

// The reference command's single-dash long options (-ip, -token), which node:util parseArgs cannot
// express; "--ip" is accepted too. -ip takes an address, or address:port.
export function parseAddArgs(argv: readonly string[]): AddArgsResult {
  const given = new Map<string, string>();
  let confirmReplace = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const name = /^--?([a-z-]+)$/.exec(raw)?.[1];
    if (!name || (!VALUED.has(name) && !FLAGS.has(name))) return { ok: false, message: `unknown argument "${raw}"` };
    if (FLAGS.has(name)) {
      confirmReplace = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('-')) return { ok: false, message: `-${name} needs a value` };
    if (given.has(name)) return { ok: false, message: `-${name} is given twice` };
    given.set(name, value);
    i++;
  }
  const pasted = given.get('connection-string');
  if (pasted !== undefined) {
    if (given.size > 1) return { ok: false, message: '-connection-string replaces -ip, -port and -token: give it alone' };
    const parsed = parseConnectionString(pasted);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    return { ok: true, args: { host: parsed.value.ip, port: parsed.value.port, token: parsed.value.token, confirmReplace } };
  }
  const ip = given.get('ip');
  const token = given.get('token');
  if (ip === undefined || token === undefined) return { ok: false, message: '-ip and -token are required (or -connection-string)' };
  const [host, portInIp] = ip.split(':');
  if (ip.split(':').length > 2 || !isIPv4(host!)) return { ok: false, message: `"${ip}" is not an IPv4 address (or address:port)` };
  const portText = given.get('port') ?? portInIp;
  if (given.has('port') && portInIp !== undefined) return { ok: false, message: 'give the port once: in -ip or with -port' };
  const port = portText === undefined ? 443 : /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65_535)) return { ok: false, message: `"${portText}" is not a port (1–65535)` };
  return { ok: true, args: { host: host!, port, token, confirmReplace } };
}
