import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsPaths } from '../../lib/appliance/tls-files.ts';
import { openDatabase } from '../../lib/db/open.ts';
import { createPeerClient } from '../../lib/peer/client.ts';
import { digestResponse } from '../../lib/peer/replication-protocol.ts';
import type { DriftResult } from '../../lib/replication/drift.ts';
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

// The drift check between two whole consoles (each with its own embedded PostgreSQL), paired with the
// commands, with real sensor agents writing while the pair converges: cyberx-management-ha-check finds
// them the same, then names each entity changed behind replication's back on the secondary.

type Side = ConsoleSide;
const A: Side = { name: 'A', host: '127.0.0.101', port: 0, peerPort: 0, dataDir: '', db: '' };
const B: Side = { name: 'B', host: '127.0.0.102', port: 0, peerPort: 0, dataDir: '', db: '' };
let agentsDir: string;
let agents: ChildProcess | undefined;
let applianceA = '';
let domainA = '';
let domainB = '';

const check = (side: Side, args: string[] = []) => cli(side, 'cyberx-management-ha-check', args);
function checkJson(side: Side, args: string[] = []): { status: number | null; result: DriftResult; stderr: string } {
  const run = check(side, ['--json', ...args]);
  return { status: run.status, result: JSON.parse(run.stdout) as DriftResult, stderr: run.stderr };
}

// The table's lines, by entity: "<entity>  <rows here>  <rows on peer>  same|differs".
function verdicts(stdout: string): Record<string, string> {
  const lines = stdout.split('\n').slice(1, -2);
  return Object.fromEntries(lines.map((line) => [line.replace(/\s+\d+\s+\d+\s+(same|differs)$/, ''), /(same|differs)$/.exec(line)![1]!]));
}

const differing = (result: DriftResult) =>
  result.ok && result.settled ? result.entities.filter((e) => !e.same).map((e) => e.entity) : null;

beforeAll(async () => {
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-drift-agents-'));
  for (const side of [A, B]) {
    side.dataDir = await mkdtemp(path.join(tmpdir(), `otc-drift-${side.name}-`));
    side.port = await freePort(side.host);
    side.peerPort = await freePort(side.host);
  }
  await Promise.all(
    [A, B].map(async (side) => {
      side.running = await startConsole(env(side), { logFile: path.join(side.dataDir, 'console.out') });
    }),
  );
  for (const side of [A, B]) side.db = (await openDatabase(side.dataDir, undefined)).url;
  const a = (await query<{ id: string; domain: string }>(A, 'SELECT appliance_id::text AS id, domain FROM appliance'))[0]!;
  [applianceA, domainA] = [a.id, a.domain];
  domainB = (await query<{ domain: string }>(B, 'SELECT domain FROM appliance'))[0]!.domain;
  agents = await startAgents(A, { name: 'drift', count: 3, dataDir: agentsDir, eventsPerMinute: 60 });
  await waitFor(
    'three connected sensors, events and devices on A',
    async () => (await connectedSensors(A)) === 3 && (await query<{ n: number }>(A, 'SELECT count(*)::int AS n FROM device'))[0]!.n > 0,
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await stopAgents(agents);
  await Promise.all([A, B].map((side) => (side.running ? stopConsole(side.running.process) : null)));
  await Promise.all([A, B].map((side) => (side.dataDir ? rm(side.dataDir, { recursive: true, force: true }) : null)));
  await rm(agentsDir, { recursive: true, force: true });
}, 60_000);

describe('cyberx-management-ha-check', () => {
  it('on a console that is not paired, says so and exits 1', () => {
    const run = check(A);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('cyberx-management-ha-check: This console is not paired, so there is no peer to compare with.\n');
    expect(run.status).toBe(1);
    expect(checkJson(A).result).toEqual({ ok: false, code: 'NOT_PAIRED', message: expect.stringContaining('not paired') });
  });

  it('a bad --wait is a usage error', () => {
    expect(check(A, ['--wait', 'soon'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'cyberx-management-ha-check: --wait takes a number of seconds from 0 to 600, not "soon"\n',
    });
  });

  it('after pairing, while the sensors keep writing, finds every entity the same on both consoles', async () => {
    write(
      A,
      `must(await (await m('lib/users/mutations.ts')).createUser({ username: 'operator1', role: 'SECURITY_ANALYST', password: 'Operator-One-Pass-1' }, actor));
       must(await (await m('lib/settings/mutations.ts')).setSetting('console.name', 'Plant North', actor));
       must(await (await m('lib/networking/mutations.ts')).createVlan({ id: 10, name: 'Control' }, actor));`,
    );
    const token = (await query<{ t: string }>(B, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
    const added = cli(A, 'cyberx-management-trusted-hosts-add', [
      '-ip',
      B.host,
      '-port',
      String(B.port),
      '-token',
      token,
      '-confirm-replace',
    ]);
    expect(added.stderr).toBe('');
    const pending = check(A);
    expect(pending.stderr).toMatch(/^cyberx-management-ha-check: This console is not paired \(.* is trusted but the pair is not applied/);
    expect(pending.status).toBe(1);
    const applied = cli(A, 'cyberx-management-trusted-hosts-apply');
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    // B's own events from before the pair stay on B only; one recorded now reaches A.
    write(B, `await (await m('lib/audit/mutations.ts')).recordAudit({ actor: 'tester', action: 'drift.test', outcome: 'success' });`);
    const { bound } = (await query<{ bound: string }>(B, 'SELECT audit_shared_after::text AS bound FROM trusted_host'))[0]!;
    expect(Number(bound)).toBeGreaterThan(0);

    const run = check(A, ['--wait', '60']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = verdicts(run.stdout);
    expect(Object.keys(lines)).toEqual([
      'user',
      'setting',
      'vlan',
      'activation',
      'sensor',
      'sensor_event',
      'device',
      `audit_event of ${domainA}`,
      `audit_event of ${domainB}`,
    ]);
    expect(Object.values(lines).every((v) => v === 'same')).toBe(true);
    expect(run.stdout).toMatch(
      new RegExp(`\\nAll 9 entities are the same on ${domainB.replaceAll('.', '\\.')} \\(journal head here \\d+, there \\d+\\)\\.\\n$`),
    );

    const { status, result } = checkJson(A, ['--wait', '60']);
    expect(status).toBe(0);
    if (!result.ok || !result.settled) throw new Error(JSON.stringify(result));
    const byEntity = Object.fromEntries(result.entities.map((e) => [e.entity, e]));
    expect(byEntity.sensor_event!.local.rows).toBeGreaterThan(0);
    expect(byEntity.device!.local.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(byEntity[`audit_event of ${domainB}`]!.peer.rows).toBeGreaterThan(0);
    // Settled means each console has applied exactly what the other has written.
    expect(result.positions.peer.appliedSeq).toBe(result.positions.local.head);
    expect(result.positions.local.appliedSeq).toBe(result.positions.peer.head);
  }, 180_000);

  it('runs from the secondary too', () => {
    const run = check(B, ['--wait', '60']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});

describe('POST /api/v1/peer/digest', () => {
  const asA = () => {
    const created = createPeerClient({
      identity: { key: readFileSync(tlsPaths(A.dataDir).key, 'utf8'), cert: readFileSync(tlsPaths(A.dataDir).cert, 'utf8') },
      peer: { host: B.host, port: B.peerPort },
      pinned: [readFileSync(tlsPaths(B.dataDir).cert, 'utf8')],
    });
    if (!created.ok) throw new Error(created.message);
    return created.client;
  };
  const request = (extra: Record<string, unknown>) => ({
    protocol: 1,
    from: applianceA,
    term: '1',
    head: '0',
    appliedSeq: null,
    auditSharedAfter: '0',
    ...extra,
  });

  it('answers the paired console its positions, and no digests at positions that do not match', async () => {
    const client = asA();
    try {
      const answer = await client.request({ path: '/api/v1/peer/digest', body: request({}), response: digestResponse });
      expect(answer).toMatchObject({ ok: true, value: { settled: false, digests: null, head: expect.stringMatching(/^\d+$/) } });
    } finally {
      client.close();
    }
  });

  it('refuses another appliance id over the pinned certificate, and a message that is not the protocol', async () => {
    const client = asA();
    try {
      const applianceB = (await query<{ id: string }>(B, 'SELECT appliance_id::text AS id FROM appliance'))[0]!.id;
      expect(
        await client.request({ path: '/api/v1/peer/digest', body: request({ from: applianceB }), response: digestResponse }),
      ).toMatchObject({ ok: false, status: 403, peerCode: 'UNTRUSTED_SENDER' });
      expect(await client.request({ path: '/api/v1/peer/digest', body: request({ head: '-1' }), response: digestResponse })).toMatchObject({
        ok: false,
        status: 400,
        peerCode: 'INVALID_INPUT',
        message: expect.stringMatching(/head/),
      });
    } finally {
      client.close();
    }
  });
});

describe('changes made behind replication on the secondary', () => {
  // Without sensors, A writes nothing more: a change on B stays until the test puts it back.
  beforeAll(async () => {
    await stopAgents(agents);
    expect(check(A, ['--wait', '60']).status).toBe(0);
  }, 120_000);

  // Each change and its undo run in one session, so a TEMP table can keep what was there.
  const cases: { what: string; entity: () => string; change: () => string; restore: string }[] = [
    {
      what: 'a setting value',
      entity: () => 'setting',
      change: () => `UPDATE setting SET value = '"Tampered"' WHERE key = 'console.name'`,
      restore: `UPDATE setting SET value = '"Plant North"' WHERE key = 'console.name'`,
    },
    {
      what: "a user's role",
      entity: () => 'user',
      change: () => `UPDATE "user" SET role = 'ADMIN' WHERE username = 'operator1'`,
      restore: `UPDATE "user" SET role = 'SECURITY_ANALYST' WHERE username = 'operator1'`,
    },
    {
      what: 'a device deleted',
      entity: () => 'device',
      change: () =>
        `CREATE TEMP TABLE kept AS SELECT * FROM device ORDER BY sensor_id, key LIMIT 1;
         DELETE FROM device d USING kept k WHERE (d.sensor_id, d.key) = (k.sensor_id, k.key)`,
      restore: `INSERT INTO device SELECT * FROM kept`,
    },
    {
      what: "one of the primary's audit events",
      entity: () => `audit_event of ${domainA}`,
      change: () =>
        `CREATE TEMP TABLE kept AS SELECT id, actor FROM audit_event WHERE origin = '${applianceA}' ORDER BY id LIMIT 1;
         UPDATE audit_event a SET actor = 'someone else' FROM kept k WHERE a.id = k.id`,
      restore: `UPDATE audit_event a SET actor = k.actor FROM kept k WHERE a.id = k.id`,
    },
  ];

  it.each(cases)(
    '$what is named as differing, and nothing else; put back, the check passes again',
    async ({ entity, change, restore }) => {
      const client = new pg.Client({ connectionString: B.db });
      await client.connect();
      try {
        await client.query(change());
        const run = check(A, ['--wait', '60']);
        expect(run.stderr).toBe(`cyberx-management-ha-check: 1 of 9 entities differ from ${domainB}: ${entity()}.\n`);
        expect(run.status).toBe(1);
        const lines = verdicts(run.stdout);
        expect(lines[entity()]).toBe('differs');
        expect(Object.entries(lines).filter(([, v]) => v === 'differs')).toHaveLength(1);
        // The same verdict from the other side.
        expect(differing(checkJson(B, ['--wait', '60']).result)).toEqual([entity()]);
        await client.query(restore);
      } finally {
        await client.end();
      }
      expect(check(A, ['--wait', '60']).status).toBe(0);
    },
    120_000,
  );

  it('a change to a column that stays per console (sign-in counters) is not drift', async () => {
    await query(
      B,
      `UPDATE "user" SET failed_attempts = 4, locked_until = now() + interval '5 minutes', last_sign_in_at = now() WHERE username = 'operator1'`,
    );
    await query(B, `UPDATE sensor SET clock_offset_ms = 12345`);
    const run = check(A, ['--wait', '60']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(verdicts(run.stdout).user).toBe('same');
  }, 120_000);
});

describe('when the check cannot compare', () => {
  it('a higher term appearing on the secondary is learned by the primary, which steps down, is restored by its sensors, and the check then agrees', async () => {
    // Until the failover worker came, a term raised behind the pair's back held replication up; now the
    // primary learns it from the peer's status, steps down (FROZEN) and, with its sensors still voting for
    // it, is restored at a still higher term — the pair converges instead of staying stuck.
    // The sensors vote again (they were stopped above): with none voting, no console could lead.
    agents = await startAgents(A, { name: 'drift', count: 3, dataDir: agentsDir, eventsPerMinute: 60 });
    const raised = Number((await query<{ t: string }>(B, 'UPDATE appliance SET term = term + 5 RETURNING term::text AS t'))[0]!.t);
    await waitFor(
      'A to be active again at a term above the raised one',
      async () => {
        const [a] = await query<{ state: string; term: string }>(A, 'SELECT state, term::text AS term FROM appliance');
        return a!.state === 'ACTIVE' && Number(a!.term) > raised;
      },
      60_000,
    ).catch(async (error: unknown) => {
      const states = [await query(A, 'SELECT state, term::text FROM appliance'), await query(B, 'SELECT state, term::text FROM appliance')];
      const audits = await query(A, "SELECT action, details::text FROM audit_event WHERE action LIKE 'ha.%' ORDER BY id");
      throw new Error(`${String(error)}: ${JSON.stringify({ states, audits })}`);
    });
    // The audit record is written just after the state it describes is stored: waited for, then read.
    const ownActions = async () =>
      (await query<{ action: string }>(A, "SELECT action FROM audit_event WHERE origin IS NULL AND action LIKE 'ha.%' ORDER BY id")).map(
        (a) => a.action,
      );
    await waitFor('A to audit its restore', async () => (await ownActions()).includes('ha.restore'), 10_000).catch(() => undefined);
    expect(await ownActions()).toEqual(expect.arrayContaining(['ha.step-down', 'ha.restore']));
    write(A, `must(await (await m('lib/networking/mutations.ts')).createVlan({ id: 50, name: 'After the restore' }, actor));`);
    expect(check(A, ['--wait', '60']).status).toBe(0);
    expect(await query(B, 'SELECT name FROM vlan WHERE id = 50')).toEqual([{ name: 'After the restore' }]);
    await stopAgents(agents);
  }, 120_000);

  it('a peer that is down is named, with where it was looked for', async () => {
    await stopConsole(B.running!.process);
    B.running = undefined;
    const run = check(A, ['--wait', '1']);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(
        `^cyberx-management-ha-check: Could not compare with ${domainB.replaceAll('.', '\\.')}: Could not reach the peer console at ${B.host.replaceAll('.', '\\.')}:${B.peerPort} \\(ECONNREFUSED\\)`,
      ),
    );
    expect(run.status).toBe(1);
    expect(checkJson(A).result).toMatchObject({ ok: false, code: 'PEER_UNREACHABLE' });
  }, 60_000);

  it('once unpaired, there is no peer to compare with', () => {
    expect(cli(A, 'cyberx-management-trusted-hosts-remove', ['-d', domainB]).status).toBe(0);
    expect(cli(A, 'cyberx-management-trusted-hosts-apply').status).toBe(0);
    const run = check(A);
    expect(run.stderr).toBe('cyberx-management-ha-check: This console is not paired, so there is no peer to compare with.\n');
    expect(run.status).toBe(1);
  });
});
