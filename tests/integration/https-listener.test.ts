import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';

// What the HTTPS port answers to clients that are neither browsers nor sensors: raw TLS sockets, so
// that nothing in between normalises the request line.
const HOST = '127.0.0.74';
let dataDir: string;
let port: number;
let ca: string;
let running: RunningConsole | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otc-https-listener-'));
  port = await freePort(HOST);
  running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: '' },
    { logFile: path.join(dataDir, 'console.out') },
  );
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await removeRelocatedCluster(dataDir);
  await rm(dataDir, { recursive: true, force: true });
});

// Sends `head` as is and returns everything the server wrote until it closed the connection.
function raw(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: HOST, port, ca, servername: undefined, checkServerIdentity: () => undefined }, () =>
      socket.write(head),
    );
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

type Handshake = { ok: true; protocol: string | null; cipher: string } | { ok: false; error: string };

function handshake(options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: HOST, port, ca, checkServerIdentity: () => undefined, ...options }, () => {
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName });
      socket.end();
    });
    socket.on('error', (error) => resolve({ ok: false, error: String(error) }));
  });
}

describe('requests that are not for a path', () => {
  it('answers 400 to an asterisk-form request target', async () => {
    const answer = await raw(`POST * HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers 400 to an absolute-form request target', async () => {
    const answer = await raw(`GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers 405 to CONNECT, naming the methods it allows', async () => {
    const answer = await raw(`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer).toMatch(/\r\nAllow: GET, HEAD, POST/);
  });

  it('still serves an ordinary request on the same port', async () => {
    const answer = await raw(`GET /api/health HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('TLS', () => {
  it('refuses TLS 1.2 suites without forward secrecy or AEAD', async () => {
    for (const ciphers of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384']) {
      const result = await handshake({ ciphers, maxVersion: 'TLSv1.2' });
      expect(result, ciphers).toMatchObject({ ok: false });
    }
  });

  it('accepts ECDHE with AES-GCM or ChaCha20-Poly1305 on TLS 1.2', async () => {
    for (const [ciphers, name] of [
      ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
      ['ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
    ] as const) {
      expect(await handshake({ ciphers, maxVersion: 'TLSv1.2' })).toEqual({ ok: true, protocol: 'TLSv1.2', cipher: name });
    }
  });

  it('negotiates TLS 1.3 with its standard suites by default', async () => {
    expect(await handshake({})).toEqual({ ok: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  });
});
