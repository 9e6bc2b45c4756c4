import { parseArgs } from 'node:util';
import { parseConnectionString } from '../lib/appliance/connection-string.ts';
import { registerRequest } from '../lib/sensors/protocol.ts';
import type { ConsoleTarget } from './sensor.ts';

export const USAGE = `usage: ot-sensor --connect <IP:token | IP:port:token> --name <name> --data-dir <dir>
                 [--count N] [--heartbeat-ms 1000] [--events-per-minute 6] [--zone <zone>]
                 [--seed <text>] [--stats-ms <ms>] [--max-sockets N] [--keep-acked] [--register-only]

  --connect            the connection string from the console (System Settings → Sensor Setup)
  --name               sensor name; with --count N the sensors are <name>-0001 … <name>-N
  --data-dir           where each sensor keeps <name>/identity.json and its outbox
  --count              simulated sensors in this process (default 1)
  --heartbeat-ms       heartbeat interval (default: 1000, then what the console asks for)
  --events-per-minute  simulated alerts and device reports per sensor (default 6; 0 = none)
  --zone               zone the sensors register in
  --seed               varies the simulated plants and alerts (default: derived from the name)
  --stats-ms           print a JSON stats line on stdout this often (0 = never, the default)
  --max-sockets        concurrent connections to the console (default: scaled with --count)
  --keep-acked         keep acknowledged outbox segments in <outbox>/acked/ (tests, audits)
  --register-only      register the sensors that have no identity yet, then exit`;

export type AgentOptions = {
  target: ConsoleTarget;
  name: string;
  dataDir: string;
  count: number;
  heartbeatMs: number;
  heartbeatFromConsole: boolean;
  eventsPerMinute: number;
  zone?: string;
  seed?: string;
  statsMs: number;
  maxSockets: number;
  keepAcked: boolean;
  registerOnly: boolean;
};

export type ParsedArgs = { ok: true; options: AgentOptions } | { ok: true; help: true } | { ok: false; message: string };

export function sensorNames(name: string, count: number): string[] {
  if (count === 1) return [name];
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `${name}-${String(i + 1).padStart(width, '0')}`);
}

// A number option within bounds, or a message saying what is wrong with it.
function numberOption(raw: string | undefined, flag: string, fallback: number, min: number, max: number, integer = true): number | string {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    return `${flag} takes ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got "${raw}".`;
  }
  return value;
}

export function parseAgentArgs(argv: string[]): ParsedArgs {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        connect: { type: 'string' },
        name: { type: 'string' },
        'data-dir': { type: 'string' },
        count: { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'events-per-minute': { type: 'string' },
        zone: { type: 'string' },
        seed: { type: 'string' },
        'stats-ms': { type: 'string' },
        'max-sockets': { type: 'string' },
        'keep-acked': { type: 'boolean' },
        'register-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (values.help) return { ok: true, help: true };
  for (const flag of ['connect', 'name', 'data-dir'] as const) {
    if (!values[flag]) return { ok: false, message: `--${flag} is required.` };
  }
  const connection = parseConnectionString(values.connect!);
  if (!connection.ok) return { ok: false, message: `--connect: ${connection.message}` };

  const count = numberOption(values.count, '--count', 1, 1, 100_000);
  const heartbeatMs = numberOption(values['heartbeat-ms'], '--heartbeat-ms', 1000, 50, 600_000);
  const eventsPerMinute = numberOption(values['events-per-minute'], '--events-per-minute', 6, 0, 60_000, false);
  const statsMs = numberOption(values['stats-ms'], '--stats-ms', 0, 0, 3_600_000);
  const maxSockets = numberOption(values['max-sockets'], '--max-sockets', 0, 1, 4096);
  for (const n of [count, heartbeatMs, eventsPerMinute, statsMs, maxSockets]) if (typeof n === 'string') return { ok: false, message: n };

  const name = values.name!.trim();
  // The longest name this run registers must be a valid sensor name too.
  const longest = sensorNames(name, count as number).at(-1)!;
  const validName = registerRequest.shape.name.safeParse(longest);
  if (!validName.success)
    return {
      ok: false,
      message: `--name: ${validName.error.issues[0]!.message.replace(/\.$/, '')}${longest !== name ? ` (with --count the names run up to ${longest})` : ''}.`,
    };
  const zone = values.zone?.trim();
  if (zone !== undefined && !registerRequest.shape.zone.safeParse(zone).success)
    return { ok: false, message: '--zone takes 1 to 64 characters.' };

  return {
    ok: true,
    options: {
      target: { host: connection.value.ip, port: connection.value.port, token: connection.value.token },
      name,
      dataDir: values['data-dir']!,
      count: count as number,
      heartbeatMs: heartbeatMs as number,
      heartbeatFromConsole: values['heartbeat-ms'] === undefined,
      eventsPerMinute: eventsPerMinute as number,
      ...(zone ? { zone } : {}),
      ...(values.seed ? { seed: values.seed } : {}),
      statsMs: statsMs as number,
      // Enough connections that heartbeats rarely wait for one, few enough to spare the console.
      maxSockets: (maxSockets as number) || (count === 1 ? 2 : Math.min(256, Math.max(4, Math.ceil((count as number) / 40)))),
      keepAcked: values['keep-acked'] ?? false,
      registerOnly: values['register-only'] ?? false,
    },
  };
}
