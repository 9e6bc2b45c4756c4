import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { processSingleton } from '../runtime/process-singleton.ts';
import { DEFAULT_CONFIG_FILE, parseConfigFile, type ConfigFileEntry } from './config-file.ts';

// Every knob of the appliance. README.md documents the same table. Each comes from the environment,
// else from the appliance configuration file (OTC_CONFIG_FILE, default /etc/otc-console/console.env),
// else the default here: the environment wins so that one run can override the file.
const schema = z.object({
  OTC_DATA_DIR: z.string().min(1),
  OTC_BIND_ADDRESS: z.ipv4().or(z.ipv6()).default('0.0.0.0'),
  OTC_HTTPS_PORT: z.coerce.number().int().min(1).max(65535).default(443),
  // The mutual-TLS listener a paired console replicates over; open only while a peer is trusted.
  OTC_PEER_PORT: z.coerce.number().int().min(1).max(65535).default(9443),
  // Journal records a paired console has applied are kept this long, then pruned.
  OTC_JOURNAL_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90 * 24)
    .default(24),
  OTC_PUBLIC_ADDRESS: z.ipv4().optional(),
  OTC_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i, 'a DNS name')
    .optional(),
  OTC_MODEL: z.string().min(1).default('OTC-VM'),
  OTC_LOG_DIR: z.string().optional(),
  OTC_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  OTC_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  OTC_LOCKOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  OTC_SIGNIN_IP_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  OTC_SIGNIN_IP_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  OTC_SESSION_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 86_400)
    .default(12 * 60 * 60),
  DATABASE_URL: z
    .string()
    .refine((value) => {
      try {
        return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'expected postgresql://user:password@host:port/database (percent-encode special characters in the password)')
    .optional(),
  OTC_ACTIVATION_PUBLIC_KEY_FILE: z.string().optional(),
});

export type ApplianceConfig = {
  dataDir: string;
  // The configuration file the values came from, when there is one with settings in it.
  configFile: string | undefined;
  logDir: string;
  bindAddress: string;
  httpsPort: number;
  peerPort: number;
  journalRetentionHours: number;
  publicAddress: string;
  domain: string | undefined;
  model: string;
  logLevel: string;
  lockoutAttempts: number;
  lockoutMinutes: number;
  signInIpMaxFailures: number;
  signInIpWindowSeconds: number;
  // Absolute lifetime of one sign-in, whatever the activity in between.
  sessionMaxSeconds: number;
  databaseUrl: string | undefined;
  // The vendor public key (PEM) that activation files must be signed for; unset → uploads are refused.
  activationPublicKeyFile: string | undefined;
};

// The address sensors and peers use to reach this console: the bind address when it is a concrete one,
// otherwise the first non-internal IPv4 of the machine.
function defaultPublicAddress(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (nic.family === 'IPv4' && !nic.internal) return nic.address;
  }
  return '127.0.0.1';
}

// The directory the console was installed in (the one holding its package.json), found from this
// module's own location so that it does not depend on the current directory. Walking up also works from
// inside the Next.js build (.next/server/...), whose own package.json has no name.
let installRootMemo: string | undefined;
export function installRoot(): string {
  if (installRootMemo) return installRootMemo;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(/*turbopackIgnore: true*/ path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ot-management-console') return (installRootMemo = dir);
    } catch {
      // no package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return (installRootMemo = path.resolve(start, '../..'));
  }
}

// Where the console keeps its data unless configured: absolute, so the console and a command run from
// any other directory find the same place.
export function defaultDataDir(): string {
  return path.join(installRoot(), 'data', 'console');
}

const SETTINGS: ReadonlySet<string> = new Set(Object.keys(schema.shape));
// Settings that name files: relative paths in the file would depend on the current directory again.
const PATH_SETTINGS = new Set(['OTC_DATA_DIR', 'OTC_LOG_DIR', 'OTC_ACTIVATION_PUBLIC_KEY_FILE']);

type FileRead = { ok: true; entries: Map<string, ConfigFileEntry> } | { ok: false; message: string };

// Read once per process (processSingleton), so that server.ts and the Next.js bundle (a second copy of
// this module in the same process) see the same values even if the file is edited while the console
// runs; edits apply at the next start.
const fileCache = processSingleton('config-file', () => new Map<string, FileRead>());

function readConfigFile(file: string, explicit: boolean): FileRead {
  const cached = fileCache.get(file);
  if (cached) return cached;
  let result: FileRead;
  try {
    result = parseConfigFile(readFileSync(/*turbopackIgnore: true*/ file, 'utf8'), file, SETTINGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) result = { ok: true, entries: new Map() };
    else if (code === 'ENOENT') result = { ok: false, message: `OTC_CONFIG_FILE names ${file}, which does not exist.` };
    else if (code === 'EACCES') result = { ok: false, message: `cannot read ${file} (permission denied): run as root.` };
    else result = { ok: false, message: `cannot read ${file} (${code ?? (error as Error).message}).` };
  }
  if (result.ok)
    for (const [key, entry] of result.entries)
      if (PATH_SETTINGS.has(key) && !path.isAbsolute(entry.value))
        result = { ok: false, message: `${file} line ${entry.line}: ${key} must be an absolute path.` };
  fileCache.set(file, result);
  return result;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ApplianceConfig {
  // An empty variable means unset (compose files and shells often pass VAR= through).
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '' && v !== undefined)) as Record<string, string>;
  const configFile = path.resolve(/*turbopackIgnore: true*/ given.OTC_CONFIG_FILE ?? DEFAULT_CONFIG_FILE);
  const read = readConfigFile(configFile, given.OTC_CONFIG_FILE !== undefined);
  if (!read.ok) throw new Error(`Invalid configuration: ${read.message}`);
  const fromFile = Object.fromEntries([...read.entries].filter(([, e]) => e.value !== '').map(([k, e]) => [k, e.value]));
  const merged = { ...fromFile, ...given };
  merged.OTC_DATA_DIR ??= defaultDataDir();
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0]);
    const source = given[key] === undefined && read.entries.has(key) ? ` (${configFile} line ${read.entries.get(key)!.line})` : '';
    throw new Error(`Invalid configuration: ${key}${source}: ${issue?.message}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(/*turbopackIgnore: true*/ e.OTC_DATA_DIR);
  return {
    dataDir,
    configFile: read.entries.size > 0 ? configFile : undefined,
    logDir: path.resolve(/*turbopackIgnore: true*/ e.OTC_LOG_DIR ?? path.join(dataDir, 'logs')),
    bindAddress: e.OTC_BIND_ADDRESS,
    httpsPort: e.OTC_HTTPS_PORT,
    peerPort: e.OTC_PEER_PORT,
    journalRetentionHours: e.OTC_JOURNAL_RETENTION_HOURS,
    publicAddress: e.OTC_PUBLIC_ADDRESS ?? defaultPublicAddress(e.OTC_BIND_ADDRESS),
    domain: e.OTC_DOMAIN,
    model: e.OTC_MODEL,
    logLevel: e.OTC_LOG_LEVEL,
    lockoutAttempts: e.OTC_LOCKOUT_ATTEMPTS,
    lockoutMinutes: e.OTC_LOCKOUT_MINUTES,
    signInIpMaxFailures: e.OTC_SIGNIN_IP_MAX_FAILURES,
    signInIpWindowSeconds: e.OTC_SIGNIN_IP_WINDOW_SECONDS,
    sessionMaxSeconds: e.OTC_SESSION_MAX_SECONDS,
    databaseUrl: e.DATABASE_URL || undefined,
    activationPublicKeyFile: e.OTC_ACTIVATION_PUBLIC_KEY_FILE
      ? path.resolve(/*turbopackIgnore: true*/ e.OTC_ACTIVATION_PUBLIC_KEY_FILE)
      : undefined,
  };
}
