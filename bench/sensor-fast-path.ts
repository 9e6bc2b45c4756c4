import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { disconnectDb } from '../lib/db/client.ts';
import { openDatabase } from '../lib/db/open.ts';
import { getApplianceOrThrow } from '../lib/appliance/data.ts';
import { registerOnce } from '../sensor/registration.ts';

// Measures heartbeat latency and throughput through Next.js's router versus the sensor fast path
// (the same handler called straight from the HTTPS server), at a few concurrency levels, alternating
// the two so that neither gets a warmer machine. Prints JSON; never pass/fail.
//   node --import tsx bench/sensor-fast-path.ts [--seconds 5] [--sensors 64]
const HOST = '127.0.0.42';
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 5);
const SENSORS = arg('sensors', 64);
const CONCURRENCY = [1, 8, 64].filter((c) => c <= SENSORS);

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

type Reply = { status: number; body: string };
function post(agent: https.Agent, port: number, pathname: string, headers: Record<string, string>, body: unknown): Promise<Reply> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: HOST,
        port,
        path: pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function measure(port: number, sensors: { auth: string }[], concurrency: number) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
  const latencies: number[] = [];
  let errors = 0;
  const beat = () => ({
    protocol: 1,
    version: '0.1.0',
    clock: Date.now(),
    highestTerm: 1,
    counters: { packets: 1, alerts: 0, devices: 0, outbox: 0 },
  });
  // Warm-up: a second of the same load, not counted.
  for (const counting of [false, true]) {
    const until = Date.now() + (counting ? SECONDS * 1000 : 1000);
    const started = Date.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = w; Date.now() < until; i += concurrency) {
          const t = process.hrtime.bigint();
          const r = await post(agent, port, '/api/v1/sensors/heartbeat', { authorization: sensors[i % sensors.length]!.auth }, beat());
          if (!counting) continue;
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          done += 1;
          if (r.status !== 200) errors += 1;
        }
      }),
    );
    if (counting) {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const round = (n: number) => Math.round(n * 100) / 100;
      return {
        concurrency,
        requests: done,
        errors,
        perSecond: Math.round(done / ((Date.now() - started) / 1000)),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
      };
    }
  }
  throw new Error('unreachable');
}

async function main() {
  if (!existsSync('.next/BUILD_ID')) throw new Error('Build the console first: npm run build');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-sensors-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sensor-fast-path-server.ts'], {
    env: { ...process.env, OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_LOG_DIR: '', DATABASE_URL: '', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [portNext, portFast] = await new Promise<[number, number]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /^ready (\d+) (\d+)$/.exec(line);
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
    });
    // The child started the embedded PostgreSQL; read the connection-string token from it.
    const database = await openDatabase(dataDir, undefined);
    process.env.DATABASE_URL = database.url;
    const token = (await getApplianceOrThrow()).connectionToken;
    await disconnectDb();
    const sensors: { auth: string }[] = [];
    for (let i = 0; i < SENSORS; i++) {
      const r = await registerOnce({ host: HOST, port: portFast, token, request: { name: `bench-${i}`, version: '0.1.0' } });
      if (!r.ok) throw new Error(`register failed: ${r.message}`);
      sensors.push({ auth: `Sensor ${r.response.sensorId}:${r.response.credential}` });
    }
    log(`${SENSORS} sensors registered; measuring ${SECONDS} s per run`);
    const runs: Record<string, unknown>[] = [];
    for (const concurrency of CONCURRENCY) {
      // Alternate, and each path twice, so that drift in the machine shows rather than biases.
      for (const [label, port] of [
        ['next', portNext],
        ['fast-path', portFast],
        ['next', portNext],
        ['fast-path', portFast],
      ] as const) {
        const r = await measure(port, sensors, concurrency);
        log(`${label} c=${concurrency}: ${r.perSecond}/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms (${r.errors} errors)`);
        runs.push({ path: label, ...r });
      }
    }
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'sensor-heartbeat-next-vs-fast-path', machine: { cpus: os.cpus().length, node: process.version }, seconds: SECONDS, sensors: SENSORS, runs }, null, 2)}\n`,
    );
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
