import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getApplianceOrThrow } from '../../lib/appliance/data.ts';
import { disconnectDb } from '../../lib/db/client.ts';
import { openDatabase } from '../../lib/db/open.ts';
import { setUpBackupKey } from '../support/backup-key.ts';
import { makeCertificate } from '../support/certs.ts';
import { outboxLines } from '../support/outbox-files.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';

// The sensor agent (sensor/cli.ts) against a real console: server.ts, embedded PostgreSQL, HTTPS.
const HOST = '127.0.0.51';
const IMPOSTOR_HOST = '127.0.0.52';
let dataDir: string;
let agentsDir: string;
let port: number;
let running: RunningConsole | undefined;
let connect: string;
let identityFile: string;

type Agent = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
const agents: Agent[] = [];

function startAgent(args: string[]): Agent {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sensor/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const agent = { child, output: () => text, exited };
  agents.push(agent);
  return agent;
}

async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const consoleEnv = () => ({
  OTC_DATA_DIR: dataDir,
  OTC_BIND_ADDRESS: HOST,
  OTC_HTTPS_PORT: String(port),
  DATABASE_URL: '',
  OTC_PUBLIC_ADDRESS: '',
  OTC_LOG_DIR: '',
});

// Every event the agent ever produced: acknowledged segments (kept with --keep-acked, or captured by
// captureSegments), and live ones. A torn last line (never newline-terminated) is not an event.
function producedEvents(
  sensorDir: string,
  captured: string[] = [],
): { bySeq: Map<number, Record<string, unknown>>; conflicts: number[]; ackedSeq: number } {
  const outbox = path.join(sensorDir, 'outbox');
  const bySeq = new Map<number, Record<string, unknown>>();
  const conflicts: number[] = [];
  for (const line of outboxLines(outbox, captured)) {
    const event = JSON.parse(line) as Record<string, unknown> & { seq: number };
    const seen = bySeq.get(event.seq);
    // The same line in a captured link and in the live file is one event; different content is two.
    if (seen && JSON.stringify(seen) !== JSON.stringify(event)) conflicts.push(event.seq);
    bySeq.set(event.seq, event);
  }
  const ackedSeq = (JSON.parse(readFileSync(path.join(outbox, 'acked.json'), 'utf8')) as { ackedSeq: number }).ackedSeq;
  return { bySeq, conflicts, ackedSeq };
}

// Without --keep-acked the agent deletes acknowledged segments: hard-link each segment as soon as it
// appears, so that its content (appended and truncated in place, never replaced) outlives the deletion.
function captureSegments(sensorDir: string): { stop: () => string[]; deleted: () => string[] } {
  const outbox = path.join(sensorDir, 'outbox');
  const into = path.join(sensorDir, '..', `${path.basename(sensorDir)}-captured`);
  mkdirSync(into, { recursive: true });
  const seen = new Map<string, string>(); // name@inode → link
  const scan = () => {
    let names: string[];
    try {
      names = readdirSync(outbox).filter((n) => n.startsWith('seg-'));
    } catch {
      return; // not registered yet
    }
    for (const name of names) {
      try {
        const key = `${name}@${statSync(path.join(outbox, name)).ino}`;
        if (seen.has(key)) continue;
        const link = path.join(into, `${seen.size}-${name}`);
        linkSync(path.join(outbox, name), link);
        seen.set(key, link);
      } catch {
        // deleted between readdir and link: the coverage check below reports the hole
      }
    }
  };
  const timer = setInterval(scan, 5);
  scan();
  return {
    stop: () => {
      clearInterval(timer);
      scan();
      return [...seen.values()];
    },
    deleted: () => [...seen.keys()].map((k) => k.split('@')[0]!).filter((name) => !existsSync(path.join(outbox, name))),
  };
}

// Last produced and last acknowledged seq, read from the files while the agent runs.
function outboxProgress(sensorDir: string): { last: number; acked: number } | null {
  try {
    const outbox = path.join(sensorDir, 'outbox');
    const newest = readdirSync(outbox)
      .filter((n) => n.startsWith('seg-'))
      .sort()
      .at(-1);
    if (!newest) return null;
    const lines = readFileSync(path.join(outbox, newest), 'utf8').split('\n');
    lines.pop(); // whatever follows the last newline is not an event (yet)
    const last = lines.length ? (JSON.parse(lines.at(-1)!) as { seq: number }).seq : 0;
    const acked = existsSync(path.join(outbox, 'acked.json'))
      ? (JSON.parse(readFileSync(path.join(outbox, 'acked.json'), 'utf8')) as { ackedSeq: number }).ackedSeq
      : 0;
    return { last, acked };
  } catch {
    return null; // a segment moved or the pointer replaced while we looked
  }
}

// A fresh connection each time: the console's embedded PostgreSQL goes away when the console stops.
async function query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: (await openDatabase(dataDir, undefined)).url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function storedEvents(name: string): Promise<{ seq: number; payload: Record<string, unknown> }[]> {
  const rows = await query<{ seq: string; payload: Record<string, unknown> }>(
    'SELECT e.seq::text AS seq, e.payload FROM sensor_event e JOIN sensor s ON s.id = e.sensor_id WHERE s.name = $1 ORDER BY e.seq',
    [name],
  );
  return rows.map((r) => ({ seq: Number(r.seq), payload: r.payload }));
}

async function sensorRow(name: string): Promise<{ acked_seq: string; last_heard_at: Date | null } | undefined> {
  const rows = await query<{ acked_seq: string; last_heard_at: Date | null }>(
    'SELECT acked_seq::text, last_heard_at FROM sensor WHERE name = $1',
    [name],
  );
  return rows[0];
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-agent-console-'));
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-agents-'));
  port = await freePort(HOST);
  running = await startConsole(consoleEnv(), { logFile: path.join(dataDir, 'console.out') });
  // The connection string as System Settings → Sensor Setup shows it, read through lib from the
  // console's own database.
  const opened = await openDatabase(dataDir, undefined);
  process.env.DATABASE_URL = opened.url;
  connect = `${HOST}:${port}:${(await getApplianceOrThrow()).connectionToken}`;
  identityFile = await setUpBackupKey(agentsDir);
  await disconnectDb();
});

afterAll(async () => {
  for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  await Promise.all(agents.map((a) => a.exited));
  if (running) await stopConsole(running.process);
  await rm(dataDir, { recursive: true, force: true });
  await rm(agentsDir, { recursive: true, force: true });
});

describe('the sensor agent against a real console', () => {
  // With --keep-acked (every segment kept for inspection) and without it (the production path, which
  // deletes acknowledged segments while it runs and so is also what the kills interrupt).
  for (const keepAcked of [true, false]) {
    it(`loses no event and stores none twice when the agent ${keepAcked ? 'with --keep-acked' : 'deleting acknowledged segments'} is killed with SIGKILL mid-stream and restarted`, async () => {
      const name = keepAcked ? 'kill-me' : 'kill-me-deleting';
      const sensorDir = path.join(agentsDir, name);
      const capture = keepAcked ? null : captureSegments(sensorDir);
      const args = ['--connect', connect, '--name', name, '--data-dir', agentsDir, '--events-per-minute', '1500', '--heartbeat-ms', '200'];
      if (keepAcked) args.push('--keep-acked');
      const pendingAtKill: number[] = [];
      let lastProduced = 0;
      for (let round = 0; round < 4; round++) {
        const agent = startAgent(args);
        const before = outboxProgress(sensorDir)?.last ?? 0;
        // Kill while events are produced and not yet all acknowledged, at least 25 events into this run.
        const at = await waitFor(`agent run ${round} to produce events`, () => {
          const p = outboxProgress(sensorDir);
          return p && p.last >= before + 25 && p.last > p.acked ? p : null;
        });
        agent.child.kill('SIGKILL');
        await agent.exited;
        pendingAtKill.push(at.last - at.acked);
        lastProduced = outboxProgress(sensorDir)!.last;
      }
      expect(pendingAtKill.every((n) => n > 0)).toBe(true);

      // A last run uploads what the killed runs left behind, then stops gracefully.
      const last = startAgent(args);
      await waitFor('the last run to upload what the killed runs left', () => (outboxProgress(sensorDir)?.acked ?? 0) >= lastProduced);
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);
      expect(last.output()).toMatch(/stopped; every produced event is acknowledged/);

      const captured = capture?.stop() ?? [];
      if (capture) expect(capture.deleted().length, 'acknowledged segments deleted while the agent ran').toBeGreaterThan(0);
      else expect(readdirSync(path.join(sensorDir, 'outbox', 'acked')).length).toBeGreaterThan(0);
      const produced = producedEvents(sensorDir, captured);
      const n = produced.bySeq.size;
      expect(n).toBeGreaterThanOrEqual(100);
      expect(produced.conflicts, 'seqs produced twice with different content').toEqual([]);
      expect([...produced.bySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(produced.ackedSeq).toBe(n);

      const stored = await storedEvents(name);
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      for (const e of stored) expect(e.payload, `seq ${e.seq}`).toEqual(produced.bySeq.get(e.seq));
      expect(Number((await sensorRow(name))!.acked_seq)).toBe(n);
    }, 120_000);
  }

  it('keeps producing while the console is down, says so once, and delivers everything when it is back', async () => {
    const name = 'outage';
    const sensorDir = path.join(agentsDir, name);
    const agent = startAgent([
      '--connect',
      connect,
      '--name',
      name,
      '--data-dir',
      agentsDir,
      '--events-per-minute',
      '600',
      '--heartbeat-ms',
      '200',
      '--keep-acked',
    ]);
    await waitFor('the agent to connect', () => /\[outage\] connected to the console/.test(agent.output()));
    await waitFor('events to be acknowledged', () => (outboxProgress(sensorDir)?.acked ?? 0) >= 5);

    expect(await stopConsole(running!.process)).toBe(0);
    await waitFor('the agent to notice', () =>
      /\[outage\] disconnected from the console at .*nothing accepts connections.*retrying with backoff/.test(agent.output()),
    );
    const down = outboxProgress(sensorDir)!;
    await waitFor('events to pile up in the outbox', () => {
      const p = outboxProgress(sensorDir);
      return p && p.last >= down.last + 20 ? p : null;
    });
    // One line for the outage, not one per failed heartbeat.
    expect(agent.output().match(/disconnected from the console/g)).toHaveLength(1);

    running = await startConsole(consoleEnv(), { logFile: path.join(dataDir, 'console-2.out') });
    await waitFor('the agent to reconnect', () => /\[outage\] connected to the console at .* after \d+\.\d s/.test(agent.output()), 60_000);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);

    const produced = producedEvents(sensorDir);
    const n = produced.bySeq.size;
    expect(produced.ackedSeq).toBe(n);
    const stored = await storedEvents(name);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const e of stored) expect(e.payload).toEqual(produced.bySeq.get(e.seq));
  }, 120_000);

  it('refuses to talk to a console whose certificate is not the pinned one, before sending a byte', async () => {
    const name = 'pinned';
    const sensorDir = path.join(agentsDir, name);
    // A sensor that keeps heartbeating: once the console has recorded one of its beats heard after a
    // moment, every beat heard before that moment has been written too (liveness is flushed in batches).
    const witness = startAgent([
      '--connect',
      connect,
      '--name',
      'witness',
      '--data-dir',
      agentsDir,
      '--events-per-minute',
      '0',
      '--heartbeat-ms',
      '100',
    ]);
    const flushedSince = (moment: number) =>
      waitFor('a liveness flush', async () => ((await sensorRow('witness'))?.last_heard_at?.getTime() ?? 0) > moment);

    const first = startAgent(['--connect', connect, '--name', name, '--data-dir', agentsDir, '--events-per-minute', '0']);
    await waitFor('registration', () => /\[pinned\] connected to the console/.test(first.output()));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const identity = JSON.parse(readFileSync(path.join(sensorDir, 'identity.json'), 'utf8')) as {
      consoleFingerprint: string;
      credential: string;
    };

    // Something else answers at an address the sensor is pointed to: TLS completes, no request follows.
    const impostorCert = makeCertificate();
    const received: Buffer[] = [];
    // Connections closed at the TCP level, and TLS sessions still open (whose data may still be arriving).
    let closedConnections = 0;
    let openSessions = 0;
    const impostor = tls.createServer({ key: impostorCert.keyPem, cert: impostorCert.certPem }, (socket) => {
      openSessions++;
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => openSessions--);
    });
    impostor.on('connection', (raw: import('node:net').Socket) => raw.on('close', () => closedConnections++));
    const impostorPort = await freePort(IMPOSTOR_HOST);
    await new Promise<void>((resolve) => impostor.listen(impostorPort, IMPOSTOR_HOST, resolve));
    try {
      const token = connect.split(':').at(-1)!;
      const misled = startAgent([
        '--connect',
        `${IMPOSTOR_HOST}:${impostorPort}:${token}`,
        '--name',
        name,
        '--data-dir',
        agentsDir,
        '--events-per-minute',
        '0',
      ]);
      await waitFor('the pinning refusal', () =>
        misled.output().includes(`Refusing to talk to ${IMPOSTOR_HOST}:${impostorPort}: its certificate (SHA-256`),
      );
      expect(misled.output()).toContain(`is not the console certificate pinned at registration (${identity.consoleFingerprint})`);
      // Once the agent has closed a connection, everything it sent on it has arrived: nothing.
      await waitFor('the agent to hang up on the impostor', () => closedConnections >= 1 && openSessions === 0);
      expect(Buffer.concat(received).length).toBe(0);
      expect(misled.output()).not.toContain(identity.credential);
      misled.child.kill('SIGKILL');
      await misled.exited;
    } finally {
      impostor.close();
    }

    // The real console, but a pin that is not its certificate: refused just the same, and never heard.
    writeFileSync(
      path.join(sensorDir, 'identity.json'),
      JSON.stringify({
        ...identity,
        consoleFingerprint: identity.consoleFingerprint.replace(/^../, identity.consoleFingerprint.startsWith('00') ? '11' : '00'),
      }),
    );
    await flushedSince(Date.now());
    const heardBefore = (await sensorRow(name))!.last_heard_at!.getTime();
    const wrongPin = startAgent(['--connect', connect, '--name', name, '--data-dir', agentsDir, '--events-per-minute', '0']);
    await waitFor('the pinning refusal', () => wrongPin.output().includes(`Refusing to talk to ${HOST}:${port}`));
    await flushedSince(Date.now());
    expect((await sensorRow(name))!.last_heard_at!.getTime()).toBe(heardBefore);
    expect(wrongPin.output()).not.toMatch(/\[pinned\] connected/);
    wrongPin.child.kill('SIGKILL');
    await wrongPin.exited;
    witness.child.kill('SIGTERM');
    expect(await witness.exited).toBe(0);
  }, 60_000);

  it('exits with a clear error on a wrong token, and with usage on a malformed connection string, registering nothing', async () => {
    const wrongToken = `${HOST}:${port}:${'x'.repeat(32)}`;
    const refused = startAgent(['--connect', wrongToken, '--name', 'wrong-token', '--data-dir', agentsDir]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(
      /ot-sensor: Refusing to register with 127\.0\.0\.51:\d+: The token does not match this console's connection string\. Copy it again from System Settings → Sensor Setup/,
    );
    expect(existsSync(path.join(agentsDir, 'wrong-token', 'identity.json'))).toBe(false);
    expect(await sensorRow('wrong-token')).toBeUndefined();

    const malformed = startAgent(['--connect', `${HOST}:${port}:not-a-token`, '--name', 'malformed', '--data-dir', agentsDir]);
    expect(await malformed.exited).toBe(2);
    expect(malformed.output()).toMatch(/^ot-sensor: --connect: The token must be exactly 32 lowercase letters and digits/);
    expect(malformed.output()).toContain('usage: ot-sensor --connect');
    expect(existsSync(path.join(agentsDir, 'malformed'))).toBe(false);
  }, 30_000);

  it('resends from where the console is after a 409: a console restored from an older backup gets every event back', async () => {
    const name = 'gap';
    const sensorDir = path.join(agentsDir, name);
    const args = [
      '--connect',
      connect,
      '--name',
      name,
      '--data-dir',
      agentsDir,
      '--events-per-minute',
      '300',
      '--heartbeat-ms',
      '200',
      '--keep-acked',
    ];
    const runUntilAcked = async (atLeast: number) => {
      const agent = startAgent(args);
      await waitFor(`seq ${atLeast} acknowledged`, () => (outboxProgress(sensorDir)?.acked ?? 0) >= atLeast);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      return outboxProgress(sensorDir)!;
    };
    const cli = (script: string, cliArgs: string[]) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', `cli/${script}.ts`, ...cliArgs], {
        env: { ...process.env, ...consoleEnv() },
        encoding: 'utf8',
      });
      expect(result.status, `${script}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };

    const atBackup = await runUntilAcked(3);
    expect(atBackup.last).toBe(atBackup.acked);
    const backupFile = /Backup written: (\S+)/.exec(cli('cyberx-management-backup', ['-full']))![1]!;
    // A few more events that the console acknowledges, then loses with the restore. Few enough to stay in
    // the agent's newest segment, which it never deletes: it can send them again.
    const afterBackup = await runUntilAcked(atBackup.acked + 3);
    expect(afterBackup.last).toBe(afterBackup.acked);
    const live = readdirSync(path.join(sensorDir, 'outbox'))
      .filter((n) => n.startsWith('seg-'))
      .sort();
    expect(Number(/^seg-(\d+)/.exec(live[0]!)![1]), 'the lost events are still in the outbox').toBeLessThanOrEqual(atBackup.acked + 1);

    expect(await stopConsole(running!.process)).toBe(0);
    cli('cyberx-management-system-restore', ['-i', identityFile, '-b', backupFile]);
    running = await startConsole(consoleEnv(), { logFile: path.join(dataDir, 'console-restored.out') });
    expect(Number((await sensorRow(name))!.acked_seq)).toBe(atBackup.acked);

    const agent = startAgent(args);
    await waitFor('the 409 and the resend', () =>
      agent
        .output()
        .includes(
          `the console expects seq ${atBackup.acked + 1} next (this sensor sent from ${afterBackup.acked + 1}); resending from there`,
        ),
    );
    await waitFor(
      'everything stored again, and more',
      async () => Number((await sensorRow(name))?.acked_seq ?? 0) >= afterBackup.acked + 2,
    );
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);

    const produced = producedEvents(sensorDir);
    const n = produced.bySeq.size;
    expect(n).toBeGreaterThanOrEqual(afterBackup.acked + 2);
    expect(produced.conflicts).toEqual([]);
    expect(produced.ackedSeq).toBe(n);
    const stored = await storedEvents(name);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const e of stored) expect(e.payload, `seq ${e.seq}`).toEqual(produced.bySeq.get(e.seq));
  }, 120_000);
});
