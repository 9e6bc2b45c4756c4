import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsPaths } from '../../lib/appliance/tls-files.ts';
import { openDatabase } from '../../lib/db/open.ts';
import { createPeerClient } from '../../lib/peer/client.ts';
import { helloResponse, journalAck } from '../../lib/peer/replication-protocol.ts';
import { REPLICATED_TABLES } from '../../lib/replication/tables.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { consoleCertificate, identityOf } from '../support/peer-tls.ts';
import { freePort, startConsole, stopConsole } from '../support/console.ts';
import {
  cliOn as cli,
  connectedSensors,
  queryOn as query,
  sideEnv as env,
  startAgents,
  stopAgents,
  writeOn as write,
  type ConsoleSide,
} from '../support/paired-consoles.ts';
import { waitFor } from '../support/wait-for.ts';
import { z } from 'zod';

// Replication between two whole consoles (each with its own embedded PostgreSQL) and real sensor agents:
// pairing through the commands, the snapshot, the stream of every replicated entity, restarts on either
// side, forged and replayed peer messages, and unpairing.

type Side = ConsoleSide & { url: string };
const A: Side = { name: 'A', host: '127.0.0.81', port: 0, peerPort: 0, dataDir: '', url: '', db: '' };
const B: Side = { name: 'B', host: '127.0.0.82', port: 0, peerPort: 0, dataDir: '', url: '', db: '' };
let agentsDir: string;
let agents: ChildProcess | undefined;

async function start(side: Side) {
  side.running = await startConsole(env(side), { logFile: path.join(side.dataDir, `console-${Date.now()}.out`) });
  side.url = side.running.url;
}

// Each replicated table as the peer must hold it: every column but the ones that stay per console, in
// primary-key order. Audit events are compared by origin: A's own events and B's copies of them.
async function replicatedState(side: Side, origin: string): Promise<Record<string, unknown[]>> {
  const columns = await query<{ table: string; column: string }>(
    side,
    `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns WHERE table_schema = 'public' ORDER BY ordinal_position`,
  );
  const state: Record<string, unknown[]> = {};
  for (const [table, { local }] of Object.entries(REPLICATED_TABLES)) {
    if (table === 'audit_event') continue;
    const kept = columns.filter((c) => c.table === table && !(local as readonly string[]).includes(c.column)).map((c) => `"${c.column}"`);
    state[table] = await query(side, `SELECT ${kept.join(', ')} FROM "${table}" ORDER BY 1, 2`);
  }
  const own = side === A;
  state.audit_event = await query(
    side,
    own
      ? `SELECT id AS origin_id, at, actor, action, target, outcome, ip, details FROM audit_event WHERE origin IS NULL ORDER BY id`
      : `SELECT origin_id, at, actor, action, target, outcome, ip, details FROM audit_event WHERE origin = $1 ORDER BY origin_id`,
    own ? [] : [origin],
  );
  return state;
}

async function expectConverged(applianceA: string) {
  // Sensors keep sending events: the state is compared once both sides hold the same journal position.
  await waitFor(
    'B to hold every replicated row of A',
    async () => JSON.stringify(await replicatedState(A, applianceA)) === JSON.stringify(await replicatedState(B, applianceA)),
    60_000,
  ).catch(async (error: unknown) => {
    const [a, b] = [await replicatedState(A, applianceA), await replicatedState(B, applianceA)];
    for (const table of Object.keys(a)) expect(b[table], table).toEqual(a[table]);
    throw error;
  });
}

let applianceA = '';
let adminPasswordA = '';
let applianceB = '';

beforeAll(async () => {
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-repl-agents-'));
  for (const side of [A, B]) {
    side.dataDir = await mkdtemp(path.join(tmpdir(), `otc-repl-${side.name}-`));
    side.port = await freePort(side.host);
    side.peerPort = await freePort(side.host);
  }
  await Promise.all([start(A), start(B)]);
  adminPasswordA = A.running!.adminPassword!;
  for (const side of [A, B]) side.db = (await openDatabase(side.dataDir, undefined)).url;
  applianceA = (await query<{ id: string }>(A, 'SELECT appliance_id::text AS id FROM appliance'))[0]!.id;
  applianceB = (await query<{ id: string }>(B, 'SELECT appliance_id::text AS id FROM appliance'))[0]!.id;
  agents = await startAgents(A, { name: 'repl', count: 3, dataDir: agentsDir, eventsPerMinute: 120 });
  await waitFor(
    'three connected sensors and some events on A',
    async () =>
      (await connectedSensors(A)) === 3 && (await query<{ n: number }>(A, 'SELECT count(*)::int AS n FROM sensor_event'))[0]!.n > 5,
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await stopAgents(agents);
  await Promise.all([A, B].map((side) => (side.running ? stopConsole(side.running.process) : null)));
  await Promise.all([A, B].map((side) => (side.dataDir ? rm(side.dataDir, { recursive: true, force: true }) : null)));
  await rm(agentsDir, { recursive: true, force: true });
}, 60_000);

const secondaryToken = async () => (await query<{ t: string }>(B, 'SELECT connection_token AS t FROM appliance'))[0]!.t;

describe('pairing A (primary) with B (secondary) and replicating', () => {
  it('before apply nothing is replicated, and apply is refused on the secondary', async () => {
    // Data on A from before the pair: it reaches B in the snapshot.
    write(
      A,
      `const u = await m('lib/users/mutations.ts');
       must(await u.createUser({ username: 'operator1', role: 'SECURITY_ANALYST', password: 'Operator-One-Pass-1' }, actor));
       const s = await m('lib/settings/mutations.ts');
       must(await s.setSetting('console.name', 'Plant North', actor));
       must(await s.setSetting('time.timezone', 'UTC', actor));
       const v = await m('lib/networking/mutations.ts');
       must(await v.createVlan({ id: 10, name: 'Control' }, actor));`,
    );
    // B's own data, which pairing replaces.
    write(B, `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 99, name: 'B only' }, actor));`);

    const added = cli(A, 'cyberx-management-trusted-hosts-add', [
      '-ip',
      B.host,
      '-port',
      String(B.port),
      '-token',
      await secondaryToken(),
      '-confirm-replace',
    ]);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(await query(B, 'SELECT name FROM vlan ORDER BY id')).toEqual([{ name: 'B only' }]);

    const onSecondary = cli(B, 'cyberx-management-trusted-hosts-apply');
    expect(onSecondary.status).toBe(1);
    expect(onSecondary.stderr).toMatch(
      /^cyberx-management-trusted-hosts-apply: This console is the pending secondary of .*: run cyberx-management-trusted-hosts-apply on the primary/,
    );
    expect(await query(B, 'SELECT configured_role, state FROM appliance')).toEqual([{ configured_role: 'STANDALONE', state: 'ACTIVE' }]);
  });

  it('apply pins both certificates, makes B the read-only secondary and sends the snapshot with progress', async () => {
    const applied = cli(A, 'cyberx-management-trusted-hosts-apply');
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: .* is now the secondary of this console\.$/m);
    expect(applied.stdout).toMatch(/^Snapshot sent: \d+ rows in \d+\.\d s; the journal now streams to /m);
    expect(await query(A, 'SELECT configured_role, state FROM appliance')).toEqual([{ configured_role: 'PRIMARY', state: 'ACTIVE' }]);
    expect(await query(B, 'SELECT configured_role, state FROM appliance')).toEqual([{ configured_role: 'SECONDARY', state: 'STANDBY' }]);
    expect(await query(A, 'SELECT status FROM trusted_host')).toEqual([{ status: 'PAIRED' }]);
    expect(await query(B, 'SELECT status FROM trusted_host')).toEqual([{ status: 'PAIRED' }]);
    // B's own VLAN went with the snapshot; A's data is there.
    expect(await query(B, 'SELECT id, name FROM vlan ORDER BY id')).toEqual([{ id: 10, name: 'Control' }]);
    await expectConverged(applianceA);
    const again = cli(A, 'cyberx-management-trusted-hosts-apply');
    expect(again).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Already applied: this console is paired with /) });
  }, 120_000);

  it('streams every replicated entity: users, settings, VLANs, sensors, events, devices, alert acknowledgements, audit', async () => {
    write(
      A,
      `const u = await m('lib/users/mutations.ts');
       must(await u.createUser({ username: 'operator2', role: 'READ_ONLY', password: 'Operator-Two-Pass-2' }, actor));
       must(await u.changeUserRole('operator1', 'ADMIN', actor));
       must(await u.createUser({ username: 'temporary', role: 'READ_ONLY', password: 'Short-Lived-Pass-3' }, actor));
       must(await u.deleteUser('temporary', actor));
       const s = await m('lib/settings/mutations.ts');
       must(await s.setSetting('session.idleTimeoutMinutes', 45, actor));
       must(await s.setSetting('time.ntpServer', 'ntp.plant.example', actor));
       must(await s.setSetting('backup.schedule', { frequency: 'weekly', time: '03:30', weekday: 2, timezone: 'UTC', retain: 4 }, actor));
       const v = await m('lib/networking/mutations.ts');
       must(await v.renameVlan({ id: 10, name: 'Control LAN' }, actor));
       must(await v.createVlan({ id: 20, name: 'Safety' }, actor));
       must(await v.deleteVlan(20, actor));
       const { db } = await m('lib/db/client.ts');
       const alert = await db().sensorEvent.findFirst({ where: { kind: 'alert', acknowledgedAt: null } });
       if (!alert) throw new Error('no alert to acknowledge');
       must(await (await m('lib/sensors/mutations.ts')).acknowledgeAlert({ sensorId: alert.sensorId, seq: Number(alert.seq) }, actor));`,
    );
    // An activation file, verified and stored on the primary, arrives whole on the secondary.
    const vendorDir = path.join(agentsDir, 'vendor');
    const vendor = JSON.parse(
      write(
        A,
        `const v = await (await m('lib/activation/vendor-key.ts')).writeVendorKeyPair('${vendorDir}'); console.log(JSON.stringify(v));`,
      )
        .trim()
        .split('\n')
        .pop()!,
    ) as { publicKeyFile: string; privateKeyFile: string };
    write(
      A,
      `const { readFile } = await import('node:fs/promises');
       const { signActivation } = await m('lib/activation/format.ts');
       const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
       const text = signActivation({ version: 1, subscriptions: ['SUB-7001'], committedDevices: 300, issuedOn: day(-1), expiresOn: day(300) }, await readFile('${vendor.privateKeyFile}', 'utf8'));
       const bytes = Buffer.from(text);
       must(await (await m('lib/activation/mutations.ts')).installActivation({ name: 'site.activation', size: bytes.length, arrayBuffer: async () => bytes }, actor));`,
      { OTC_ACTIVATION_PUBLIC_KEY_FILE: vendor.publicKeyFile },
    );
    await expectConverged(applianceA);
    expect(await query(B, 'SELECT subscription_ids, committed_devices FROM activation')).toEqual([
      { subscription_ids: ['SUB-7001'], committed_devices: 300 },
    ]);
    expect(await query(B, 'SELECT username, role FROM "user" WHERE username LIKE \'operator%\' ORDER BY username')).toEqual([
      { username: 'operator1', role: 'ADMIN' },
      { username: 'operator2', role: 'READ_ONLY' },
    ]);
    expect((await query<{ n: number }>(B, 'SELECT count(*)::int AS n FROM sensor_event WHERE acknowledged_at IS NOT NULL'))[0]!.n).toBe(1);
    expect((await query<{ n: number }>(B, 'SELECT count(*)::int AS n FROM device'))[0]!.n).toBeGreaterThan(0);
    // The audit trail arrives tagged with its origin.
    expect(await query(B, "SELECT action, target FROM audit_event WHERE origin = $1 AND action = 'user.delete'", [applianceA])).toEqual([
      { action: 'user.delete', target: 'temporary' },
    ]);
  }, 120_000);

  it('a user created on the primary signs in on the secondary with the same password', async () => {
    const ca = readFileSync(tlsPaths(B.dataDir).cert, 'utf8');
    const result = await signInOverHttps(B.url, ca, 'operator2', 'Operator-Two-Pass-2');
    expect(result).toHaveProperty('cookie');
    const wrong = await signInOverHttps(B.url, ca, 'operator2', 'Not-The-Password-9');
    expect(wrong).toHaveProperty('error');
  });

  it('the list shows both sides paired, with the replication lag', async () => {
    const list = JSON.parse(cli(A, 'cyberx-management-trusted-hosts-list', ['--json']).stdout) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ role: 'SECONDARY', status: 'PAIRED', lagSeconds: expect.any(Number) })]);
    const table = cli(B, 'cyberx-management-trusted-hosts-list').stdout.split('\n');
    expect(table[0]).toMatch(/^DOMAIN +ADDRESS +ROLE +STATUS +LAG +FINGERPRINT \(SHA-256\)$/);
    expect(table[1]).toMatch(/ primary +paired +\S+ /);
  });

  it('the secondary restarted mid-stream catches up, and so does a restarted primary', async () => {
    await stopConsole(B.running!.process);
    write(A, `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 30, name: 'While B was down' }, actor));`);
    await start(B);
    await expectConverged(applianceA);
    expect(await query(B, 'SELECT name FROM vlan WHERE id = 30')).toEqual([{ name: 'While B was down' }]);

    await stopConsole(A.running!.process);
    await start(A);
    // Down for seconds, the primary may have lost its sensors to the secondary, which then took over; they
    // come back once it answers, and restore it. The change is made once the primary leads again with its
    // three sensors back (a refused attempt changes nothing: it rolls back in the writing transaction).
    await waitFor(
      'A to lead again with its sensors, and to take the change',
      async () => {
        if ((await connectedSensors(A)) !== 3 || (await connectedSensors(B)) !== 0) return false;
        try {
          write(
            A,
            `const v = await m('lib/networking/mutations.ts'); must(await v.renameVlan({ id: 30, name: 'After A restarted' }, actor));`,
          );
          return true;
        } catch {
          return false;
        }
      },
      120_000,
    );
    await waitFor(
      'B on standby',
      async () => (await query<{ state: string }>(B, 'SELECT state FROM appliance'))[0]!.state === 'STANDBY',
      30_000,
    );
    await expectConverged(applianceA);
  }, 240_000);
});

// Events leave a sensor's outbox only once both consoles hold them, unless the peer has been away past the
// window (then the primary says so) and strict mode is off.
describe('sensor events are released only when the secondary holds them too', () => {
  const SENSORS = ['repl-0001', 'repl-0002', 'repl-0003'];
  const released = (name: string) =>
    (JSON.parse(readFileSync(path.join(agentsDir, name, 'outbox', 'acked.json'), 'utf8')) as { ackedSeq: number }).ackedSeq;
  const heldBy = async (side: Side) =>
    new Map(
      (
        await query<{ name: string; n: number }>(
          side,
          'SELECT s.name, count(e.seq)::int AS n FROM sensor s LEFT JOIN sensor_event e ON e.sensor_id = s.id GROUP BY s.name',
        )
      ).map((r) => [r.name, r.n]),
    );
  // The invariant: every event a sensor dropped is stored on BOTH consoles (each holds 1..n without gaps).
  async function expectNothingHeldByOneConsoleOnly() {
    const outboxes = SENSORS.map((name) => [name, released(name)] as const);
    const [onA, onB] = await Promise.all([heldBy(A), heldBy(B)]);
    for (const [name, seq] of outboxes) {
      expect(onA.get(name) ?? 0, `${name} on A`).toBeGreaterThanOrEqual(seq);
      expect(onB.get(name) ?? 0, `${name} on B`).toBeGreaterThanOrEqual(seq);
    }
  }
  const ackedOnA = async () =>
    new Map((await query<{ name: string; n: number }>(A, 'SELECT name, acked_seq::int AS n FROM sensor')).map((r) => [r.name, r.n]));
  const auditCount = async (action: string) =>
    (await query<{ n: number }>(A, 'SELECT count(*)::int AS n FROM audit_event WHERE action = $1', [action]))[0]!.n;

  it('with the secondary stopped (SIGSTOP) inside the window, sensors keep what only the primary holds', async () => {
    const before = await ackedOnA();
    B.running!.process.kill('SIGSTOP');
    try {
      // The primary keeps acknowledging (storing) new events...
      await waitFor('new events stored on A', async () => {
        const now = await ackedOnA();
        return SENSORS.every((name) => (now.get(name) ?? 0) > (before.get(name) ?? 0) + 2);
      });
      // ...but no sensor drops one that B does not hold.
      for (let i = 0; i < 5; i++) {
        await expectNothingHeldByOneConsoleOnly();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const acked = await ackedOnA();
      expect(SENSORS.some((name) => released(name) < (acked.get(name) ?? 0))).toBe(true);
    } finally {
      B.running!.process.kill('SIGCONT');
    }
    const target = await ackedOnA();
    await waitFor('sensors to release what B now holds', () => SENSORS.every((name) => released(name) >= (target.get(name) ?? 0)), 30_000);
    await expectNothingHeldByOneConsoleOnly();
  }, 60_000);

  it('past the window the primary says so and falls back to what it committed; strict mode keeps holding', async () => {
    write(A, `const s = await m('lib/settings/mutations.ts'); must(await s.setSetting('ha.unreachableWindowSeconds', 5, actor));`);
    const unreachable = await auditCount('ha.peer-unreachable');
    B.running!.process.kill('SIGSTOP');
    try {
      await waitFor(
        'the primary to report its peer unreachable',
        async () => (await auditCount('ha.peer-unreachable')) > unreachable,
        30_000,
      );
      // Every page of the primary says so.
      const ca = readFileSync(tlsPaths(A.dataDir).cert, 'utf8');
      const signedIn = await signInOverHttps(A.url, ca, 'admin', adminPasswordA);
      if (!('cookie' in signedIn)) throw new Error(signedIn.error);
      const page = await request(`${A.url}/sensors`, { ca, headers: { cookie: signedIn.cookie } });
      expect(page.body).toContain('data-testid="peer-away-banner"');
      expect(page.body).toMatch(/is unreachable\. <\/strong>Changes and sensor events are not being copied to it/);
      // Not strict: events committed on A alone leave the outboxes.
      const acked = await ackedOnA();
      await waitFor(
        'sensors to release what A alone holds',
        () => SENSORS.every((name) => released(name) >= (acked.get(name) ?? 0)),
        20_000,
      );
      const [onB] = [await heldBy(B)];
      expect(SENSORS.some((name) => released(name) > (onB.get(name) ?? 0))).toBe(true);
    } finally {
      B.running!.process.kill('SIGCONT');
    }
    const reachable = await auditCount('ha.peer-reachable');
    await waitFor(
      'the primary to report its peer back',
      async () => (await auditCount('ha.peer-reachable')) >= Math.max(1, reachable),
      30_000,
    );

    // Strict: however long B is away, nothing held by A alone leaves an outbox.
    write(A, `const s = await m('lib/settings/mutations.ts'); must(await s.setSetting('ha.strictEvents', true, actor));`);
    // B catches up with everything the sensors dropped while it was away.
    await waitFor(
      'B to hold every event the sensors dropped',
      async () => {
        const b = await heldBy(B);
        return SENSORS.every((name) => (b.get(name) ?? 0) >= released(name));
      },
      30_000,
    );
    const strictUnreachable = await auditCount('ha.peer-unreachable');
    B.running!.process.kill('SIGSTOP');
    try {
      await waitFor(
        'the primary to report its peer unreachable again',
        async () => (await auditCount('ha.peer-unreachable')) > strictUnreachable,
        30_000,
      );
      for (let i = 0; i < 5; i++) {
        await expectNothingHeldByOneConsoleOnly();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      B.running!.process.kill('SIGCONT');
    }
    write(
      A,
      `const s = await m('lib/settings/mutations.ts'); must(await s.setSetting('ha.strictEvents', false, actor)); must(await s.setSetting('ha.unreachableWindowSeconds', 30, actor));`,
    );
    await expectConverged(applianceA);
  }, 150_000);

  it('a blackholed peer link (no error, nothing arrives) is noticed by the read-idle timeout, reported, and caught up after', async () => {
    const proxy = await startFaultProxy({ host: B.host, port: B.peerPort }, B.host);
    try {
      // A reaches B's peer listener through the proxy from now on (the reconcile loop restarts the pump).
      await query(A, 'UPDATE trusted_host SET peer_port = $1', [proxy.port]);
      await waitFor('the pump to go through the proxy', () => proxy.connections() > 0);
      write(A, `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 60, name: 'Through the proxy' }, actor));`);
      await waitFor('VLAN 60 on B', async () => (await query(B, 'SELECT 1 FROM vlan WHERE id = 60')).length === 1);

      proxy.set('both', { mode: 'blackhole' });
      write(
        A,
        `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 61, name: 'Into the blackhole' }, actor));`,
      );
      await waitFor(
        'A to report B unreachable',
        async () => (await query<{ status: string }>(A, 'SELECT status FROM trusted_host'))[0]!.status === 'UNREACHABLE',
        30_000,
      );
      expect(await query(B, 'SELECT 1 FROM vlan WHERE id = 61')).toEqual([]);
      expect(proxy.swallowed('client-to-server')).toBeGreaterThan(0);

      proxy.set('both', { mode: 'pass' });
      await waitFor(
        'VLAN 61 on B once the link passes again',
        async () => (await query(B, 'SELECT 1 FROM vlan WHERE id = 61')).length === 1,
        30_000,
      );
      await waitFor(
        'A to report B paired again',
        async () => (await query<{ status: string }>(A, 'SELECT status FROM trusted_host'))[0]!.status === 'PAIRED',
      );
    } finally {
      await query(A, 'UPDATE trusted_host SET peer_port = $1', [B.peerPort]);
      await proxy.close();
    }
    await expectConverged(applianceA);
  }, 90_000);

  it('a certificate replaced on the primary is announced first: the pair keeps replicating; with the peer away it is not installed', async () => {
    const domainA = (await query<{ d: string }>(A, 'SELECT domain AS d FROM appliance'))[0]!.d;
    const replace = (label: string) => {
      const out = write(
        A,
        `const { makeCertificate } = await m('tests/support/certs.ts');
         const { validateCertificateUpload } = await m('lib/certificates/validate.ts');
         const { announceCertificate } = await m('lib/replication/announce.ts');
         const { installCertificate } = await m('lib/certificates/mutations.ts');
         const made = makeCertificate({ subject: { CN: '${domainA}', O: 'Example Utility', OU: '${label}', C: 'DE' }, sanIps: ['${A.host}'] });
         const checked = validateCertificateUpload({ certificate: Buffer.from(made.certPem), privateKey: Buffer.from(made.keyPem) }, new Date());
         if (!checked.ok) throw new Error(checked.message);
         const announced = await announceCertificate(checked.value.cert.toString(), checked.value.cert.fingerprint256);
         console.log(JSON.stringify({ announced, fingerprint: checked.value.cert.fingerprint256 }));
         if (announced.ok) await installCertificate(process.env.OTC_DATA_DIR, checked.value, actor);`,
      );
      return JSON.parse(out.trim().split('\n').pop()!) as {
        announced: { ok: boolean; announced?: boolean; code?: string };
        fingerprint: string;
      };
    };
    const served = () => readFileSync(tlsPaths(A.dataDir).cert, 'utf8');

    // With B stopped the announcement cannot reach it: the files stay as they were.
    const before = served();
    B.running!.process.kill('SIGSTOP');
    try {
      expect(replace('Refused').announced).toMatchObject({ ok: false, code: 'PEER_NOT_TOLD' });
    } finally {
      B.running!.process.kill('SIGCONT');
    }
    expect(served()).toBe(before);

    const output = replace('Renewed');
    expect(output.announced).toEqual({ ok: true, announced: true });
    expect(served()).not.toBe(before);
    expect(await query(B, 'SELECT fingerprint FROM trusted_host')).toEqual([{ fingerprint: output.fingerprint }]);
    expect(await query(B, "SELECT count(*)::int AS n FROM audit_event WHERE action = 'trusted-host.certificate'")).toEqual([{ n: 1 }]);
    write(
      A,
      `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 50, name: 'After the certificate swap' }, actor));`,
    );
    await expectConverged(applianceA);
    expect(await query(A, 'SELECT status FROM trusted_host')).toEqual([{ status: 'PAIRED' }]);
  }, 90_000);

  it("sensors learned the secondary's address and certificate from their heartbeat answers", async () => {
    const fingerprintB = (await query<{ f: string }>(A, 'SELECT fingerprint AS f FROM trusted_host'))[0]!.f;
    for (const name of SENSORS)
      await waitFor(`${name} to know the secondary`, () => {
        try {
          const peers = JSON.parse(readFileSync(path.join(agentsDir, name, 'peers.json'), 'utf8')) as {
            address: string;
            port: number;
            fingerprint: string;
          }[];
          return peers.length === 1 && peers[0]!.address === B.host && peers[0]!.port === B.port && peers[0]!.fingerprint === fingerprintB;
        } catch {
          return false;
        }
      });
  });
});

describe('the peer channel refuses what is not the paired console, changing nothing', () => {
  // With the sensors stopped, A sends nothing more: B's state only changes if a refused message changed it.
  beforeAll(async () => {
    await stopAgents(agents);
    await expectConverged(applianceA);
  }, 60_000);

  const peerCall = (side: Side, identity: { key: string; cert: string }) => {
    const created = createPeerClient({
      identity,
      peer: { host: side.host, port: side.peerPort },
      pinned: [readFileSync(tlsPaths(side.dataDir).cert, 'utf8')],
    });
    if (!created.ok) throw new Error(created.message);
    return created.client;
  };
  const asA = () => ({ key: readFileSync(tlsPaths(A.dataDir).key, 'utf8'), cert: readFileSync(tlsPaths(A.dataDir).cert, 'utf8') });
  const anyAnswer = z.unknown();
  const state = async () =>
    JSON.stringify({ b: await replicatedState(B, applianceA), origin: await query(B, 'SELECT * FROM replication_origin') });

  it('no client certificate, or a stranger’s, is refused before any handler', async () => {
    const stranger = peerCall(B, identityOf(consoleCertificate('stranger.example')));
    const refused = await stranger.request({
      path: '/api/v1/peer/hello',
      body: { protocol: 1, from: applianceA, term: '1' },
      response: anyAnswer,
    });
    expect(refused).toMatchObject({ ok: false, status: 403, peerCode: 'PEER_CERTIFICATE_NOT_PINNED' });
    stranger.close();
    // TLS without a client certificate: the listener completes the handshake, the guard refuses the request.
    const bare = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = https.request(
        { host: B.host, port: B.peerPort, path: '/api/v1/peer/hello', method: 'POST', rejectUnauthorized: false, agent: false },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (c: string) => (body += c));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        },
      );
      request.once('error', reject);
      request.end(JSON.stringify({ protocol: 1, from: applianceA, term: '1' }));
    });
    expect(bare.status).toBe(401);
    expect(JSON.parse(bare.body)).toMatchObject({ code: 'PEER_CERTIFICATE_REQUIRED' });
  });

  it('replayed, lower-term and forged messages from the pinned certificate are refused', async () => {
    const client = peerCall(B, asA());
    // B's term now (failovers earlier in this file may have raised it): messages of A in that term are
    // current, one term lower is stale.
    const term = (await query<{ t: string }>(B, 'SELECT term::text AS t FROM appliance'))[0]!.t;
    try {
      const hello = await client.request({
        path: '/api/v1/peer/hello',
        body: { protocol: 1, from: applianceA, term },
        response: helloResponse,
      });
      expect(hello.ok).toBe(true);
      if (!hello.ok) return;
      const applied = hello.value.appliedSeq!;
      const before = await state();
      const batch = (after: string, extra: Record<string, unknown> = {}) => ({
        protocol: 1,
        from: applianceA,
        term,
        after,
        upTo: String(BigInt(after) + 1n),
        records: 1,
        changes: [{ table: 'vlan', rows: ['{"id":77,"name":"Forged","updated_at":"2026-01-01T00:00:00+00:00"}'], deleted: [] }],
        newestAt: null,
        ...extra,
      });
      // A batch already applied (a replay) and one out of order.
      expect(await client.request({ path: '/api/v1/peer/journal', body: batch('0'), response: journalAck })).toMatchObject({
        ok: false,
        status: 409,
        peerCode: 'OUT_OF_ORDER',
      });
      expect(
        await client.request({ path: '/api/v1/peer/journal', body: batch(String(BigInt(applied) + 5n)), response: journalAck }),
      ).toMatchObject({ ok: false, status: 409, peerCode: 'OUT_OF_ORDER' });
      // Another appliance's id over A's certificate.
      expect(
        await client.request({ path: '/api/v1/peer/journal', body: batch(applied, { from: applianceB }), response: journalAck }),
      ).toMatchObject({ ok: false, status: 403, peerCode: 'UNTRUSTED_SENDER' });
      // A table that is not replicated, and a message that is not the protocol.
      expect(
        await client.request({
          path: '/api/v1/peer/journal',
          body: batch(applied, { changes: [{ table: 'appliance', rows: ['{}'], deleted: [] }] }),
          response: journalAck,
        }),
      ).toMatchObject({ ok: false, status: 400, peerCode: 'INVALID_INPUT', message: expect.stringMatching(/changes\.0\.table/) });
      expect(await client.request({ path: '/api/v1/peer/journal', body: { protocol: 1 }, response: journalAck })).toMatchObject({
        ok: false,
        status: 400,
      });
      // A message of a lower term than B's is refused.
      expect(
        await client.request({
          path: '/api/v1/peer/journal',
          body: batch(applied, { term: String(BigInt(term) - 1n) }),
          response: journalAck,
        }),
      ).toMatchObject({ ok: false, status: 409, peerCode: 'TERM_STALE' });
      expect(await state()).toBe(before);
    } finally {
      client.close();
    }
  });
});

describe('unpairing', () => {
  it('remove then apply on each side makes both standalone and stops replication', async () => {
    const domainA = (await query<{ d: string }>(A, 'SELECT domain AS d FROM appliance'))[0]!.d;
    const domainB = (await query<{ d: string }>(B, 'SELECT domain AS d FROM appliance'))[0]!.d;
    expect(cli(A, 'cyberx-management-trusted-hosts-remove', ['-d', domainB]).status).toBe(0);
    expect(cli(B, 'cyberx-management-trusted-hosts-remove', ['-d', domainA]).status).toBe(0);
    expect(cli(A, 'cyberx-management-trusted-hosts-apply').stdout).toMatch(/^Applied: this console is standalone/);
    expect(cli(B, 'cyberx-management-trusted-hosts-apply').stdout).toMatch(/^Applied: this console is standalone/);
    for (const side of [A, B])
      expect(await query(side, 'SELECT configured_role, state FROM appliance')).toEqual([
        { configured_role: 'STANDALONE', state: 'ACTIVE' },
      ]);
    // The peer listeners close within a reconcile.
    for (const side of [A, B])
      await waitFor(
        `${side.name}'s peer port to close`,
        () =>
          new Promise<boolean>((resolve) => {
            const socket = net.connect(side.peerPort, side.host);
            socket.once('connect', () => (socket.destroy(), resolve(false)));
            socket.once('error', () => resolve(true));
          }),
        10_000,
      );
    // A's pump has stopped (its log says so) and B forgot A's position: nothing more crosses.
    await waitFor('A to stop replicating', () => /replication stopped/.test(readFileSync(path.join(A.dataDir, 'logs', 'ha.log'), 'utf8')));
    expect(await query(B, 'SELECT origin FROM replication_origin')).toEqual([]);
    write(A, `const v = await m('lib/networking/mutations.ts'); must(await v.createVlan({ id: 40, name: 'After unpairing' }, actor));`);
    expect(await query(B, 'SELECT name FROM vlan WHERE id = 40')).toEqual([]);
  }, 60_000);
});
