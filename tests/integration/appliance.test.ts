import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { waitFor } from '../support/wait-for.ts';

// A whole appliance as `npm run demo` runs it: server.ts, embedded PostgreSQL, first boot, HTTPS.
const HOST = '127.0.0.22';
let dataDir: string;
let port: number;
let running: RunningConsole | undefined;
let ca: string;
let firstPassword: string;

const env = () => ({ OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: '' });
const start = async (log: string) => (running = await startConsole(env(), { logFile: path.join(dataDir, `${log}.out`) }));
const base = () => `https://${HOST}:${port}`;

function postgresFor(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes('postgres') && line.includes(path.join(dir, 'pg')));
}

function servedCertificate(): Promise<tls.DetailedPeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: HOST, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate(true));
      socket.end();
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-appliance-'));
  port = await freePort(HOST);
  await start('first');
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  firstPassword = running!.adminPassword!;
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await rm(dataDir, { recursive: true, force: true });
});

describe('a console appliance on its embedded PostgreSQL', () => {
  it('prints its URL and the initial admin credentials once, and they sign in', async () => {
    expect(running!.output()).toContain(`URL:    ${base()}/`);
    expect(running!.adminPassword).toMatch(/^\S{20}$/);
    const health = await request(`${base()}/api/health`, { ca });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', role: 'STANDALONE', state: 'ACTIVE' });
    const signedIn = await signInOverHttps(base(), ca, 'admin', running!.adminPassword!);
    expect(signedIn).toHaveProperty('cookie');
    const page = await request(`${base()}/system-settings/sensor-setup`, {
      ca,
      headers: { cookie: (signedIn as { cookie: string }).cookie },
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connection String');
    // The password is not kept anywhere in the data directory or the logs.
    const grep = spawnSync('grep', ['-rlF', running!.adminPassword!, dataDir, '--exclude=*.out']);
    expect(grep.stdout.toString()).toBe('');
  });

  it('serves a certificate that meets the appliance requirements', async () => {
    const peer = await servedCertificate();
    const x509 = new X509Certificate(peer.raw);
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails!.modulusLength).toBeGreaterThanOrEqual(2048);
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(peer.raw.toString('binary'))));
    expect(forge.pki.oids[cert.siginfo.algorithmOid]).toBe('sha256WithRSAEncryption');
    for (const field of ['CN', 'O', 'OU', 'C']) expect((peer.subject as unknown as Record<string, string>)[field], field).toBeTruthy();
    expect(x509.subjectAltName).toContain(`IP Address:${HOST}`);
    const cn = String(peer.subject.CN);
    expect(x509.checkHost(cn)).toBe(cn);
  });

  it('stops cleanly on SIGINT with no PostgreSQL left behind, and keeps its data across a restart', async () => {
    const password = running!.adminPassword!;
    expect(postgresFor(dataDir).length).toBeGreaterThan(0);
    expect(await stopConsole(running!.process)).toBe(0);
    expect(postgresFor(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'pg/postmaster.pid'))).toBe(false);

    await start('second');
    expect(running!.adminPassword).toBeNull();
    expect(running!.output()).toContain('cyberx-management-user-reset-password');
    expect(await signInOverHttps(base(), ca, 'admin', password)).toHaveProperty('cookie');
  });

  it('comes back after SIGKILL, stopping the PostgreSQL the killed console left running', async () => {
    running!.process.kill('SIGKILL');
    await new Promise((r) => running!.process.once('exit', r));
    expect(postgresFor(dataDir).length).toBeGreaterThan(0);
    await start('after-kill');
    const health = await request(`${base()}/api/health`, { ca });
    expect(health.status).toBe(200);
  });

  it('the reset CLI sets a new password on the running console; the old one stops working', async () => {
    const cli = spawnSync('node_modules/.bin/tsx', ['cli/cyberx-management-user-reset-password.ts', '-u', 'admin'], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const newPassword = /shown once\): (\S+)/.exec(cli.stdout)![1]!;
    expect(await signInOverHttps(base(), ca, 'admin', newPassword)).toHaveProperty('cookie');
    expect(await signInOverHttps(base(), ca, 'admin', firstPassword)).toEqual({ error: 'Invalid username or password.' });

    const usage = spawnSync('node_modules/.bin/tsx', ['cli/cyberx-management-user-reset-password.ts'], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: cyberx-management-user-reset-password -u <username>/);
    const unknown = spawnSync('node_modules/.bin/tsx', ['cli/cyberx-management-user-reset-password.ts', '-u', 'nobody'], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
    });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('cyberx-management-user-reset-password: There is no user named "nobody".\n');
    // The console is still serving after the CLI connected to and left its database.
    expect((await request(`${base()}/api/health`, { ca })).status).toBe(200);
  });

  it('stopped while still starting, finishes the step under way and leaves no PostgreSQL or lock file behind', async () => {
    expect(await stopConsole(running!.process)).toBe(0);
    running = undefined;
    const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { env: { ...process.env, ...env() } });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // As soon as its PostgreSQL runs: long before Next.js is ready.
    await waitFor("the starting console's PostgreSQL", () => postgresFor(dataDir).length > 0, 60_000);
    expect(output).not.toContain('is ready');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('Console stopped (SIGTERM) before it was ready.');
    expect(output).not.toContain('failed to start');
    expect(postgresFor(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'appliance.pid'))).toBe(false);
  });
});
