// `npm run demo -- --pair`: a primary on 127.0.0.11 and a secondary on 127.0.0.12, each with its own data
// directory and embedded PostgreSQL, three simulated sensors on the primary, paired with the appliance's own
// commands (cyberx-management-trusted-hosts-add, then -apply, which follows the snapshot). The commands are
// run as an operator would type them on the primary, so the demo goes through every prerequisite check
// and prints what they print. A later start finds the pair applied and only starts everything again.
// OTC_HTTPS_PORT and OTC_PEER_PORT apply to both consoles (8443 and 9443 unless set: the addresses differ).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { formatConnectionString } from '../../lib/appliance/connection-string.ts';
import { openDatabase } from '../../lib/db/open.ts';

export const PAIR_HOSTS = { primary: '127.0.0.11', secondary: '127.0.0.12' } as const;
const SENSORS = 3;
const READY_TIMEOUT_MS = 180_000;
const SENSORS_TIMEOUT_MS = 90_000;

type Label = keyof typeof PAIR_HOSTS;
type Side = {
  label: Label;
  host: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  output: string;
  child?: ChildProcess;
  url?: string;
};
type TrustedHostRow = { appliance_id: string; role: 'PRIMARY' | 'SECONDARY'; status: string };

export type PairDemoOptions = {
  // The plain demo's data directory: the pair lives beside it, in <dir>-primary and <dir>-secondary.
  dataDir: string;
  httpsPort: string;
  peerPort: string | undefined;
  // The environment both consoles and the commands start from (activation key, telemetry off …).
  env: NodeJS.ProcessEnv;
};

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pairDataDirs(dataDir: string): Record<Label, string> {
  return { primary: `${dataDir}-primary`, secondary: `${dataDir}-secondary` };
}

class Interrupted extends Error {}

// Every process the demo started, stopped in order on Ctrl-C or on a failure: the sensors first (they
// flush what they hold while the primary still listens), then both consoles (each stops its PostgreSQL).
// The children run in process groups of their own so that Ctrl-C reaches the demo alone and the order holds.
class Processes {
  agents: ChildProcess[] = [];
  consoles: ChildProcess[] = [];
  stopping = false;
  private done: Promise<never> | null = null;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void this.stopAll(0));
    // Should the demo itself end some other way, nothing it started keeps running unattended.
    process.on('exit', () => {
      for (const child of [...this.agents, ...this.consoles]) if (alive(child)) child.kill('SIGINT');
    });
  }

  check(): void {
    if (this.stopping) throw new Interrupted();
  }

  stopAll(code: number): Promise<never> {
    this.stopping = true;
    this.done ??= (async () => {
      if ([...this.agents, ...this.consoles].some(alive)) say('Stopping the sensors and both consoles…');
      await Promise.all(this.agents.map((child) => stop(child, 'SIGTERM', 15_000)));
      // A console still starting stops once the step under way is done, and stops its PostgreSQL (which
      // runs in a session of its own) either way; none is ever killed.
      await Promise.all(this.consoles.map((child) => stop(child, 'SIGINT')));
      say('Stopped.');
      process.exit(code);
    })();
    return this.done;
  }
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function stop(child: ChildProcess, name: NodeJS.Signals, killAfterMs?: number): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(name);
  const timer = killAfterMs ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
  await exited;
  clearTimeout(timer);
}

async function query<R extends pg.QueryResultRow>(side: Side, text: string, values: unknown[] = []): Promise<R[]> {
  // The running console's own embedded server, by the credentials in its data directory.
  const { url } = await openDatabase(side.dataDir, undefined);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

// Starts a console; resolves with its ready banner (URL, then how to sign in), or rejects with the reason
// it did not start.
function startConsole(side: Side, processes: Processes): Promise<string[]> {
  const fd = openSync(side.output, 'w');
  side.child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { env: side.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  processes.consoles.push(side.child);
  return waitReady(side);
}

async function waitReady(side: Side): Promise<string[]> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const text = readFileSync(side.output, 'utf8');
    const lines = text.split('\n');
    const ready = lines.findIndex((line) => /is ready/.test(line));
    if (ready >= 0) {
      const end = lines.indexOf('', ready);
      const banner = lines.slice(ready, end < 0 ? undefined : end);
      if (end >= 0) {
        side.url = /URL:\s+(https:\/\/\S+?)\/?$/.exec(banner.find((l) => /URL:/.test(l)) ?? '')?.[1];
        return banner;
      }
    }
    if (!alive(side.child!)) {
      const reason = lines
        .filter((l) => l.trim())
        .slice(-3)
        .join('\n');
      throw new Error(`The ${side.label} console did not start:\n${reason}`);
    }
    if (Date.now() > deadline)
      throw new Error(`The ${side.label} console did not start within ${READY_TIMEOUT_MS / 1000} s: see ${side.output}`);
    await sleep(100);
  }
}

// An appliance command on the primary, with the primary's environment, its output passed on indented.
async function command(side: Side, name: string, args: string[], shown: string, processes: Processes): Promise<number | null> {
  processes.check();
  // The token is a secret: the line shown names it rather than printing it.
  say(`$ ${name}${shown ? ` ${shown}` : ''}   (on the ${side.label})`);
  const child = spawn(process.execPath, ['--import', 'tsx', `cli/${name}.ts`, ...args], {
    env: side.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => say(`  ${line}`));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  processes.check();
  return code;
}

async function trustedHost(side: Side): Promise<TrustedHostRow | null> {
  return (await query<TrustedHostRow>(side, 'SELECT appliance_id::text, role, status FROM trusted_host'))[0] ?? null;
}

const applianceId = async (side: Side) => (await query<{ id: string }>(side, 'SELECT appliance_id::text AS id FROM appliance'))[0]!.id;
const token = async (side: Side) => (await query<{ t: string }>(side, 'SELECT connection_token AS t FROM appliance'))[0]!.t;

type PairState = 'unpaired' | 'pending' | 'paired';

// Where the two consoles stand with each other. Anything but the three states a demo run can leave
// (never paired, added but not applied, applied) needs a fresh start: it is not the demo's to repair.
async function pairState(primary: Side, secondary: Side): Promise<PairState> {
  const [onPrimary, onSecondary, primaryId, secondaryId] = await Promise.all([
    trustedHost(primary),
    trustedHost(secondary),
    applianceId(primary),
    applianceId(secondary),
  ]);
  if (!onPrimary && !onSecondary) return 'unpaired';
  const consistent =
    onPrimary?.appliance_id === secondaryId &&
    onPrimary.role === 'SECONDARY' &&
    onSecondary?.appliance_id === primaryId &&
    onSecondary.role === 'PRIMARY';
  if (consistent && onPrimary.status === 'PENDING' && onSecondary.status === 'PENDING') return 'pending';
  if (consistent && onPrimary.status !== 'PENDING' && onSecondary.status !== 'PENDING') return 'paired';
  throw new Error(
    `The demo consoles disagree about their pair (primary: ${describe(onPrimary)}, secondary: ${describe(onSecondary)}). Start over with: npm run demo -- --pair --fresh`,
  );
}

const describe = (row: TrustedHostRow | null) => (row ? `${row.role.toLowerCase()} ${row.status.toLowerCase()}` : 'no trusted host');

async function waitForSensors(primary: Side, agentLog: string, processes: Processes): Promise<void> {
  const deadline = Date.now() + SENSORS_TIMEOUT_MS;
  for (;;) {
    processes.check();
    // Connected as the pairing prerequisite counts them: heard within the console's disconnect window.
    const [{ n } = { n: 0 }] = await query<{ n: number }>(
      primary,
      `SELECT count(*)::int AS n FROM sensor WHERE last_heard_at >= now() - make_interval(secs => coalesce((SELECT (value #>> '{}')::int FROM setting WHERE key = 'sensors.disconnectAfterSeconds'), 5))`,
    );
    if (n >= 2) {
      say(`${n} sensors connected to the primary.`);
      return;
    }
    if (!alive(processes.agents[0]!)) throw new Error(`The simulated sensors stopped: see ${agentLog}`);
    if (Date.now() > deadline) throw new Error(`Fewer than 2 sensors connected within ${SENSORS_TIMEOUT_MS / 1000} s: see ${agentLog}`);
    await sleep(500);
  }
}

export async function runPairDemo(options: PairDemoOptions): Promise<never> {
  const processes = new Processes();
  const dirs = pairDataDirs(options.dataDir);
  const base = options.env;
  const side = (label: Label): Side => {
    const dataDir = dirs[label];
    return {
      label,
      host: PAIR_HOSTS[label],
      dataDir,
      output: path.join(dataDir, 'demo-console.out'),
      // Each console on its own address, data directory, logs and embedded PostgreSQL, whatever the shell has.
      env: {
        ...base,
        OTC_DATA_DIR: dataDir,
        OTC_LOG_DIR: path.join(dataDir, 'logs'),
        OTC_BIND_ADDRESS: PAIR_HOSTS[label],
        OTC_PUBLIC_ADDRESS: PAIR_HOSTS[label],
        OTC_HTTPS_PORT: options.httpsPort,
        ...(options.peerPort ? { OTC_PEER_PORT: options.peerPort } : {}),
        DATABASE_URL: '',
      },
    };
  };
  const primary = side('primary');
  const secondary = side('secondary');
  try {
    for (const s of [primary, secondary]) mkdirSync(s.dataDir, { recursive: true, mode: 0o711 });
    say(
      `Starting the primary on ${primary.host} (data in ${primary.dataDir}) and the secondary on ${secondary.host} (data in ${secondary.dataDir})…`,
    );
    const [banner] = await Promise.all([startConsole(primary, processes), startConsole(secondary, processes)]);
    processes.check();
    const signIn = banner.filter((line) => !/is ready|URL:|Health:/.test(line)).map((line) => line.trim());
    say(`Primary ready: ${primary.url}/`);
    // The initial password is printed once by the console: pass it on at once, whatever happens next.
    for (const line of signIn) say(`  ${line}`);
    say(`Secondary ready: ${secondary.url}/`);

    const state = await pairState(primary, secondary);
    const agentsDir = path.join(primary.dataDir, 'demo-sensors');
    mkdirSync(agentsDir, { recursive: true });
    const agentLog = path.join(agentsDir, 'agents.log');
    const connect = formatConnectionString(primary.host, Number(options.httpsPort), await token(primary));
    const fd = openSync(agentLog, 'a');
    const agents = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'sensor/cli.ts',
        '--connect',
        connect,
        '--name',
        'demo-sensor',
        '--count',
        String(SENSORS),
        '--data-dir',
        agentsDir,
      ],
      { env: base, stdio: ['ignore', fd, fd], detached: true },
    );
    closeSync(fd);
    processes.agents.push(agents);
    say(`Starting ${SENSORS} simulated sensors against the primary (identities in ${agentsDir})…`);
    await waitForSensors(primary, agentLog, processes);

    if (state === 'paired') say('The consoles are paired already (primary and secondary): nothing to pair.');
    else {
      if (state === 'unpaired') {
        const added = await command(
          primary,
          'cyberx-management-trusted-hosts-add',
          ['-ip', secondary.host, '-port', options.httpsPort, '-token', await token(secondary), '-confirm-replace'],
          `-ip ${secondary.host} -port ${options.httpsPort} -token <the secondary's token> -confirm-replace`,
          processes,
        );
        if (added !== 0) throw new Error('Pairing was refused (above): nothing was changed on either console.');
      }
      const applied = await command(primary, 'cyberx-management-trusted-hosts-apply', [], '', processes);
      if (applied !== 0) throw new Error('Applying the pair failed (above).');
    }

    say('');
    say('Demo pair running:');
    say(`  Primary:   ${primary.url}/`);
    say(`  Secondary: ${secondary.url}/   (standby: holds a copy of the primary, replicated as it changes)`);
    if (signIn.some((line) => line.startsWith('Sign in as')))
      for (const line of signIn) say(`  ${line}${line.startsWith('Sign in as') ? '   (on either console)' : ''}`);
    else {
      say("  Sign in on either console with the primary's accounts (the admin password was shown at the primary's first start).");
      const hint = signIn.find((line) => line.startsWith('sudo'));
      if (hint) say(`  Forgot the admin password? Reset it on the primary (the new one reaches the secondary):\n    ${hint}`);
    }
    say(
      `  Appliance commands act on a console by its data directory, e.g. OTC_DATA_DIR=${primary.dataDir} cyberx-management-trusted-hosts-list`,
    );
    say(`  Console output: ${primary.output}, ${secondary.output}`);
    say('Stop everything with Ctrl-C.');

    // Running until Ctrl-C; a console or the sensors ending on their own ends the demo.
    const ended = await Promise.race(
      [
        { child: primary.child!, what: `The primary console stopped (see ${primary.output})` },
        { child: secondary.child!, what: `The secondary console stopped (see ${secondary.output})` },
        { child: agents, what: `The simulated sensors stopped (see ${agentLog})` },
      ].map(
        ({ child, what }) => new Promise<string>((resolve) => (alive(child) ? child.once('exit', () => resolve(what)) : resolve(what))),
      ),
    );
    processes.check();
    throw new Error(ended);
  } catch (error) {
    if (error instanceof Interrupted || processes.stopping) return processes.stopAll(0);
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return processes.stopAll(1);
  }
}
