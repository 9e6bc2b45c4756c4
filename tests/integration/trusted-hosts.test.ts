import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/db/open.ts';
import { clientProof, newNonce } from '../../lib/token-proof/proof.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { waitFor } from '../support/wait-for.ts';

// Who the audit trail names for a command typed by whoever runs this test.
const CLI_ACTOR = `cli:${process.env.SUDO_USER ?? (process.getuid?.() === 0 ? 'root' : userInfo().username)}`;

// Pairing, first steps: cyberx-management-trusted-hosts-add/-list/-remove between real consoles, each
// with its own embedded PostgreSQL, and real sensor agents on the primary.
type Side = { name: string; host: string; port: number; dataDir: string; running?: RunningConsole; token: string; url: string };
const A: Side = { name: 'A', host: '127.0.0.31', port: 0, dataDir: '', token: '', url: '' };
const B: Side = { name: 'B', host: '127.0.0.32', port: 0, dataDir: '', token: '', url: '' };
// Another model and another time zone.
const C: Side = { name: 'C', host: '127.0.0.33', port: 0, dataDir: '', token: '', url: '' };
let agentsDir: string;
let agents: ChildProcess | undefined;

const env = (side: Side) => ({
  OTC_DATA_DIR: side.dataDir,
  OTC_BIND_ADDRESS: side.host,
  OTC_HTTPS_PORT: String(side.port),
  DATABASE_URL: '',
  OTC_PUBLIC_ADDRESS: '',
  OTC_LOG_DIR: '',
  ...(side === C ? { OTC_MODEL: 'OTC-OTHER' } : {}),
});

async function query<R extends pg.QueryResultRow>(side: Side, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: (await openDatabase(side.dataDir, undefined)).url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function cli(side: Side, command: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `cli/${command}.ts`, ...args], {
    env: { ...process.env, ...env(side) },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Without blocking this process, for when it must keep serving something the command talks to.
function cliAsync(side: Side, command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `cli/${command}.ts`, ...args], { env: { ...process.env, ...env(side) } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

const add = (from: Side, to: Side, extra: string[] = ['-confirm-replace'], token = to.token) =>
  cli(from, 'cyberx-management-trusted-hosts-add', ['-ip', to.host, '-port', String(to.port), '-token', token, ...extra]);

// Everything pairing could write on a console: its trusted hosts and their audit events.
async function pairingState(side: Side) {
  const hosts = await query(side, 'SELECT domain, address, port, role, status, fingerprint FROM trusted_host ORDER BY domain');
  const audit = await query(side, "SELECT action, target, actor FROM audit_event WHERE action LIKE 'trusted-host.%' ORDER BY id");
  return { hosts, audit };
}
const nothing = { hosts: [], audit: [] };

async function domainOf(side: Side): Promise<string> {
  return (await query<{ domain: string }>(side, 'SELECT domain FROM appliance'))[0]!.domain;
}

async function fingerprintOf(side: Side): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.request({ host: side.host, port: side.port, path: '/api/health', rejectUnauthorized: false, agent: false });
    request.once('socket', (s) =>
      (s as TLSSocket).once('secureConnect', () => resolve((s as TLSSocket).getPeerCertificate().fingerprint256)),
    );
    request.once('error', reject);
    request.end();
  });
}

// A TCP relay that records every byte it forwards, both ways.
async function capturingRelay(target: Side) {
  const seen: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target.port, target.host);
    sockets.add(inbound).add(outbound);
    inbound.on('data', (d: Buffer) => seen.push(d));
    outbound.on('data', (d: Buffer) => seen.push(d));
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.34', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes: () => Buffer.concat(seen),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Answer = { status: number; json: Record<string, unknown> };

function postJson(side: Side, pathname: string, body: unknown, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = https.request(
      {
        host: side.host,
        port: side.port,
        path: pathname,
        method: 'POST',
        rejectUnauthorized: false,
        agent: false,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (c: string) => (text += c));
        response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(text) }));
      },
    );
    request.once('error', reject);
    request.end(payload);
  });
}

// A valid proof for one step, computed as an honest primary would.
async function proofFor(side: Side): Promise<string> {
  const clientNonce = newNonce();
  const challenge = await postJson(side, '/api/v1/peer/pair/challenge', { protocol: 1, clientNonce });
  expect(challenge.status).toBe(200);
  const fingerprint = await fingerprintOf(side);
  const { challengeId, serverNonce } = challenge.json as { challengeId: string; serverNonce: string };
  return `Proof ${challengeId}:${clientProof(side.token, { purpose: 'console-pairing', clientNonce, serverNonce, fingerprint })}`;
}

beforeAll(async () => {
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-pair-agents-'));
  await Promise.all(
    [A, B, C].map(async (side) => {
      side.dataDir = await mkdtemp(path.join(tmpdir(), `otc-pair-${side.name}-`));
      side.port = await freePort(side.host);
      side.running = await startConsole(env(side), { logFile: path.join(side.dataDir, 'console.out') });
      side.token = (await query<{ connection_token: string }>(side, 'SELECT connection_token FROM appliance'))[0]!.connection_token;
    }),
  );
  await query(
    C,
    `INSERT INTO setting (key, value, updated_at) VALUES ('time.timezone', '"Europe/Berlin"'::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  );
}, 180_000);

afterAll(async () => {
  if (agents && agents.exitCode === null) {
    const exited = new Promise((resolve) => agents!.once('exit', resolve));
    agents.kill('SIGTERM');
    await exited;
  }
  await Promise.all([A, B, C].map((side) => (side.running ? stopConsole(side.running.process) : null)));
  await Promise.all([A, B, C].map((side) => (side.dataDir ? rm(side.dataDir, { recursive: true, force: true }) : null)));
  await rm(agentsDir, { recursive: true, force: true });
}, 60_000);

describe('cyberx-management-trusted-hosts-add refuses, writing nothing on either side', () => {
  it('a wrong token, which never crosses the wire (nor does the right one)', async () => {
    const relay = await capturingRelay(B);
    try {
      const wrong = 'z'.repeat(32);
      const result = await cliAsync(A, 'cyberx-management-trusted-hosts-add', [
        '-ip',
        `127.0.0.34:${relay.port}`,
        '-token',
        wrong,
        '-confirm-replace',
      ]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/The token does not match this console's connection string/);
      const bytes = relay.bytes();
      // The relay carried the challenge and its answer...
      expect(bytes.length).toBeGreaterThan(1000);
      for (const token of [wrong, B.token]) {
        expect(bytes.includes(Buffer.from(token))).toBe(false);
        expect(bytes.includes(createHash('sha256').update(token).digest())).toBe(false);
      }
    } finally {
      await relay.close();
    }
    expect(await pairingState(A)).toEqual(nothing);
    expect(await pairingState(B)).toEqual(nothing);
  });

  it('fewer than 2 connected sensors and unconfirmed replacement: every unmet prerequisite on its own line', async () => {
    const result = add(A, B, []);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Pairing refused: 2 prerequisite\(s\) not met; nothing was written\.$/);
    expect(lines[1]).toMatch(/^TOO_FEW_CONNECTED_SENSORS: This console needs at least 2 connected sensors before pairing; it has 0\./);
    // What pairing would delete on the secondary is listed.
    expect(lines[2]).toMatch(
      /^DATA_REPLACEMENT_NOT_CONFIRMED: .*0 sensors, 1 user, .* audit events on otc-[0-9a-f]{8}\.local will be deleted/,
    );
    expect(lines).toHaveLength(3);
    expect(await pairingState(A)).toEqual(nothing);
    expect(await pairingState(B)).toEqual(nothing);
  });

  it('(with two agents connected) another model and time zone, and the console itself', async () => {
    agents = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'sensor/cli.ts',
        '--connect',
        `${A.host}:${A.port}:${A.token}`,
        '--name',
        'pair',
        '--count',
        '2',
        '--data-dir',
        agentsDir,
        '--events-per-minute',
        '0',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      'two connected sensors on the primary',
      async () =>
        (await query<{ n: number }>(A, "SELECT count(*)::int AS n FROM sensor WHERE last_heard_at > now() - interval '4 seconds'"))[0]!
          .n === 2,
      60_000,
    );
    const other = add(A, C);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      /^MODEL_MISMATCH: Both consoles must be the same model: this console is "OTC-VM", the secondary is "OTC-OTHER"\.$/m,
    );
    expect(other.stderr).toMatch(
      /^TIMEZONE_MISMATCH: Both consoles must use the same time zone: this console uses UTC, the secondary Europe\/Berlin\./m,
    );
    expect(other.stderr).not.toMatch(/TOO_FEW_CONNECTED_SENSORS/);

    const itself = add(A, A);
    expect(itself.status).toBe(1);
    expect(itself.stderr).toMatch(/^PAIRING_WITH_ITSELF: The address 127\.0\.0\.31:\d+ leads back to this console\./m);
    for (const side of [A, B, C]) expect(await pairingState(side)).toEqual(nothing);
  }, 90_000);
});

describe('the pairing endpoints refuse forged and replayed steps', () => {
  it('a replayed proof, a forged identity and another protocol version change nothing', async () => {
    const proof = await proofFor(B);
    expect((await postJson(B, '/api/v1/peer/identity', { protocol: 1 }, proof)).status).toBe(200);
    expect(await postJson(B, '/api/v1/peer/identity', { protocol: 1 }, proof)).toMatchObject({
      status: 401,
      json: { code: 'CHALLENGE_EXPIRED' },
    });

    // A proof made with another token.
    const clientNonce = newNonce();
    const challenge = (await postJson(B, '/api/v1/peer/pair/challenge', { protocol: 1, clientNonce })).json as {
      challengeId: string;
      serverNonce: string;
    };
    const wrong = clientProof('y'.repeat(32), {
      purpose: 'console-pairing',
      clientNonce,
      serverNonce: challenge.serverNonce,
      fingerprint: await fingerprintOf(B),
    });
    expect(await postJson(B, '/api/v1/peer/identity', { protocol: 1 }, `Proof ${challenge.challengeId}:${wrong}`)).toMatchObject({
      status: 401,
      json: { code: 'WRONG_PROOF' },
    });

    // A's real identity, from A itself.
    const identity = (await postJson(A, '/api/v1/peer/identity', { protocol: 1 }, await proofFor(A))).json;
    const secondaryFingerprint = await fingerprintOf(B);
    const offer = (primary: unknown, protocol = 1) => ({ protocol, primary, secondaryFingerprint });
    const forged = { ...identity, fingerprint: secondaryFingerprint };
    expect(await postJson(B, '/api/v1/peer/pair/offer', offer(forged), await proofFor(B))).toMatchObject({
      status: 400,
      json: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^primary\.fingerprint: The fingerprint is not that of certificatePem/),
      },
    });
    expect(await postJson(B, '/api/v1/peer/pair/offer', offer({ ...identity, protocol: 2 }), await proofFor(B))).toMatchObject({
      status: 400,
      json: { code: 'INVALID_INPUT', message: expect.stringMatching(/^primary\.protocol: /) },
    });
    expect(await postJson(B, '/api/v1/peer/pair/offer', offer(identity, 2), await proofFor(B))).toMatchObject({
      status: 400,
      json: { code: 'INVALID_INPUT', message: expect.stringMatching(/^protocol: /) },
    });
    // An offer checked against another console's certificate (a relay's) is not for this one.
    expect(
      await postJson(B, '/api/v1/peer/pair/offer', { ...offer(identity), secondaryFingerprint: await fingerprintOf(C) }, await proofFor(B)),
    ).toMatchObject({ status: 409, json: { code: 'OFFER_NOT_FOR_THIS_CONSOLE' } });
    // An offer of the secondary to itself.
    const own = (await postJson(B, '/api/v1/peer/identity', { protocol: 1 }, await proofFor(B))).json;
    expect(await postJson(B, '/api/v1/peer/pair/offer', offer(own), await proofFor(B))).toMatchObject({
      status: 409,
      json: { code: 'PAIRING_WITH_ITSELF' },
    });
    // The right token without a proof is no authorization.
    expect(await postJson(B, '/api/v1/peer/pair/offer', offer(identity), `Bearer ${B.token}`)).toMatchObject({
      status: 401,
      json: { code: 'PROOF_REQUIRED' },
    });
    expect(await pairingState(B)).toEqual(nothing);
  });
});

describe('pairing A (primary) with B (secondary), then removing it on each side', () => {
  it('adds on both sides, lists on both sides, refuses a second pairing and removes each side', async () => {
    const [domainA, domainB, fingerprintA, fingerprintB] = await Promise.all([
      domainOf(A),
      domainOf(B),
      fingerprintOf(A),
      fingerprintOf(B),
    ]);
    const added = cli(A, 'cyberx-management-trusted-hosts-add', [
      '-connection-string',
      `${B.host}:${B.port}:${B.token}`,
      '-confirm-replace',
    ]);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toBe(
      `Trusted host added: ${domainB} (${B.host}:${B.port}, SHA-256 ${fingerprintB}) as secondary, pending; it recorded this console as its primary.\n`,
    );

    expect(await pairingState(A)).toEqual({
      hosts: [{ domain: domainB, address: B.host, port: B.port, role: 'SECONDARY', status: 'PENDING', fingerprint: fingerprintB }],
      audit: [{ action: 'trusted-host.add', target: domainB, actor: CLI_ACTOR }],
    });
    expect(await pairingState(B)).toEqual({
      hosts: [{ domain: domainA, address: A.host, port: A.port, role: 'PRIMARY', status: 'PENDING', fingerprint: fingerprintA }],
      audit: [{ action: 'trusted-host.add', target: domainA, actor: `peer:${domainA}` }],
    });

    const tableA = cli(A, 'cyberx-management-trusted-hosts-list', []);
    expect(tableA.status).toBe(0);
    expect(tableA.stdout.split('\n')[0]).toMatch(/^DOMAIN +ADDRESS +ROLE +STATUS +LAG +FINGERPRINT \(SHA-256\)$/);
    expect(tableA.stdout.split('\n')[1]).toMatch(
      new RegExp(`^${domainB.replace(/\./g, '\\.')} +${B.host}:${B.port} +secondary +pending +- +${fingerprintB}$`),
    );
    const jsonB = cli(B, 'cyberx-management-trusted-hosts-list', ['--json']);
    expect(jsonB.status).toBe(0);
    expect(JSON.parse(jsonB.stdout)).toEqual([
      expect.objectContaining({
        domain: domainA,
        address: `${A.host}:${A.port}`,
        fingerprint: fingerprintA,
        role: 'PRIMARY',
        status: 'PENDING',
      }),
    ]);

    // Already paired: refused by the prerequisites, and nothing more is written.
    const again = add(A, B);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(`^PRIMARY_ALREADY_PAIRED: This console is already paired with ${domainB.replace(/\./g, '\\.')}`, 'm'),
    );
    expect(again.stderr).toMatch(
      new RegExp(
        `^SECONDARY_ALREADY_PAIRED: The secondary ${domainB.replace(/\./g, '\\.')} is already paired with ${domainA.replace(/\./g, '\\.')}`,
        'm',
      ),
    );
    expect((await pairingState(A)).audit).toHaveLength(1);
    expect((await pairingState(B)).audit).toHaveLength(1);

    // The secondary refuses on its own an offer from a third console while it is paired.
    const third = (await postJson(C, '/api/v1/peer/identity', { protocol: 1 }, await proofFor(C))).json;
    expect(
      await postJson(B, '/api/v1/peer/pair/offer', { protocol: 1, primary: third, secondaryFingerprint: fingerprintB }, await proofFor(B)),
    ).toMatchObject({ status: 409, json: { code: 'ALREADY_PAIRED', message: expect.stringContaining(`paired with ${domainA}`) } });
    expect((await pairingState(B)).hosts).toHaveLength(1);

    const unknown = cli(A, 'cyberx-management-trusted-hosts-remove', ['-d', 'nope.local']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(`cyberx-management-trusted-hosts-remove: No trusted host "nope.local". Known: ${domainB}.\n`);

    const removedA = cli(A, 'cyberx-management-trusted-hosts-remove', ['-d', domainB]);
    expect(removedA.status).toBe(0);
    expect((await pairingState(A)).hosts).toEqual([]);
    // This side only: B still trusts A until it is removed there too.
    expect((await pairingState(B)).hosts).toHaveLength(1);
    expect(cli(B, 'cyberx-management-trusted-hosts-remove', ['-d', domainA]).status).toBe(0);
    expect(await pairingState(B)).toEqual({
      hosts: [],
      audit: [
        { action: 'trusted-host.add', target: domainA, actor: `peer:${domainA}` },
        { action: 'trusted-host.remove', target: domainA, actor: CLI_ACTOR },
      ],
    });
    expect(cli(A, 'cyberx-management-trusted-hosts-list', []).stdout).toBe('No trusted hosts: this console is not paired.\n');
  }, 90_000);
});
