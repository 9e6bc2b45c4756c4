import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Every knob of the appliance, read once from the environment. README.md documents the same table.
const schema = z.object({
  OTC_DATA_DIR: z.string().min(1).default('data/console'),
  OTC_BIND_ADDRESS: z.ipv4().or(z.ipv6()).default('0.0.0.0'),
  OTC_HTTPS_PORT: z.coerce.number().int().min(1).max(65535).default(443),
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
  DATABASE_URL: z.string().optional(),
  OTC_ACTIVATION_PUBLIC_KEY_FILE: z.string().optional(),
});

export type ApplianceConfig = {
  dataDir: string;
  logDir: string;
  bindAddress: string;
  httpsPort: number;
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

export function loadConfig(env: Record<string, string | undefined> = process.env): ApplianceConfig {
  // An empty variable means unset (compose files and shells often pass VAR= through).
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid configuration: ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(/*turbopackIgnore: true*/ e.OTC_DATA_DIR);
  return {
    dataDir,
    logDir: path.resolve(/*turbopackIgnore: true*/ e.OTC_LOG_DIR ?? path.join(dataDir, 'logs')),
    bindAddress: e.OTC_BIND_ADDRESS,
    httpsPort: e.OTC_HTTPS_PORT,
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
