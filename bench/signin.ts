import https from 'node:https';
import { performance } from 'node:perf_hooks';

// Console pages as a person meets them: a full next-auth credentials sign-in, one server-rendered
// settings page behind the guard, and the health endpoint load balancers poll. Sequential, one
// keep-alive connection: this measures the latency of one request path, not throughput.

export type Target = { origin: string; agent: https.Agent; username: string; password: string };
export type Figures = { n: number; p50_ms: number; p95_ms: number; p99_ms: number; mean_ms: number };
export type ConsolePagesResult = { signIn: Figures; systemSettings: Figures; health: Figures };

const WARMUP = 20;
const N_SIGN_IN = 200;
const N_SETTINGS = 300;
const N_HEALTH = 300;
const SETTINGS_PATH = '/system-settings/sensor-setup';

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function request(
  target: Target,
  method: 'GET' | 'POST',
  path: string,
  options: { cookie?: string; form?: Record<string, string> } = {},
): Promise<Reply> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = { accept: '*/*' };
  if (options.cookie) headers.cookie = options.cookie;
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, target.origin), { method, agent: target.agent, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// name=value pairs from Set-Cookie, ready for a Cookie header.
function cookiesOf(reply: Reply): Map<string, string> {
  const raw = reply.headers['set-cookie'] ?? [];
  const jar = new Map<string, string>();
  for (const line of Array.isArray(raw) ? raw : [raw]) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return jar;
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

function fail(step: string, reply: Reply, why: string): never {
  throw new Error(`${step}: ${why} (HTTP ${reply.status}; body starts ${JSON.stringify(reply.body.slice(0, 200))})`);
}

// A fresh client each time (no cookies carried over): GET the CSRF token, then POST the credentials.
// Returns the Cookie header of the signed-in session.
export async function signIn(target: Target): Promise<string> {
  const csrf = await request(target, 'GET', '/api/auth/csrf');
  if (csrf.status !== 200) fail('GET /api/auth/csrf', csrf, 'expected 200');
  const token = (JSON.parse(csrf.body) as { csrfToken?: unknown }).csrfToken;
  if (typeof token !== 'string' || !token) fail('GET /api/auth/csrf', csrf, 'no csrfToken in the reply');
  const jar = cookiesOf(csrf);
  if (![...jar.keys()].some((k) => k.endsWith('next-auth.csrf-token'))) fail('GET /api/auth/csrf', csrf, 'no CSRF cookie set');

  const callback = await request(target, 'POST', '/api/auth/callback/credentials', {
    cookie: cookieHeader(jar),
    form: { csrfToken: token, username: target.username, password: target.password, json: 'true' },
  });
  if (callback.status !== 200) fail('POST /api/auth/callback/credentials', callback, 'expected 200');
  const session = [...cookiesOf(callback)].filter(([k, v]) => /next-auth\.session-token(\.\d+)?$/.test(k) && v);
  if (session.length === 0) fail('POST /api/auth/callback/credentials', callback, 'sign-in refused: no session cookie');
  return cookieHeader(new Map(session));
}

async function getSettings(target: Target, cookie: string): Promise<void> {
  const reply = await request(target, 'GET', SETTINGS_PATH, { cookie });
  if (reply.status !== 200) fail(`GET ${SETTINGS_PATH}`, reply, 'expected 200');
  if (!reply.body.includes('Connection String')) fail(`GET ${SETTINGS_PATH}`, reply, 'page does not contain "Connection String"');
}

async function getHealth(target: Target): Promise<void> {
  const reply = await request(target, 'GET', '/api/health');
  if (reply.status !== 200) fail('GET /api/health', reply, 'expected 200');
  if ((JSON.parse(reply.body) as { status?: unknown }).status !== 'ok') fail('GET /api/health', reply, 'status is not "ok"');
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function summarize(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest-rank percentile: always one of the measured values.
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { n: sorted.length, p50_ms: round(pct(50)), p95_ms: round(pct(95)), p99_ms: round(pct(99)), mean_ms: round(mean) };
}

// Any failed request throws, so figures are only ever reported for runs where every request succeeded.
async function measure(label: string, n: number, once: () => Promise<unknown>): Promise<Figures> {
  process.stderr.write(`bench: ${label}: ${WARMUP} warm-up + ${n} measured\n`);
  for (let i = 0; i < WARMUP; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await once();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

export async function benchConsolePages(target: Target): Promise<ConsolePagesResult> {
  const signInFigures = await measure('sign-in', N_SIGN_IN, () => signIn(target));
  const cookie = await signIn(target);
  const systemSettings = await measure(`GET ${SETTINGS_PATH}`, N_SETTINGS, () => getSettings(target, cookie));
  const health = await measure('GET /api/health', N_HEALTH, () => getHealth(target));
  return { signIn: signInFigures, systemSettings, health };
}
