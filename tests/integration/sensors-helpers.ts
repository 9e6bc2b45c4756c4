import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTlsFiles } from '../../lib/appliance/tls-files.ts';
import { db } from '../../lib/db/client.ts';
import { certificateFingerprint } from '../../lib/pki/fingerprint.ts';
import type { SensorEventInput } from '../../lib/sensors/protocol.ts';
import type { HttpRequest } from '../../lib/http/types.ts';
import { handleRegisterChallenge } from '../../lib/sensors/http/challenge.ts';
import { handleRegister } from '../../lib/sensors/http/register.ts';
import { registerChallengeResponse } from '../../lib/sensors/protocol.ts';
import { clientProof, newNonce } from '../../lib/token-proof/proof.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { makeCertificate } from '../support/certs.ts';

export type SensorTestConsole = {
  appliance: ApplianceDb;
  dataDir: string;
  fingerprint: string;
  token: () => Promise<string>;
  close: () => Promise<void>;
};

// A migrated database with an initialised appliance, plus the data directory holding its TLS certificate
// (registration answers with the certificate's fingerprint).
export async function createSensorTestConsole(): Promise<SensorTestConsole> {
  const appliance = await createApplianceDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'otc-sensors-'));
  process.env.OTC_DATA_DIR = dataDir;
  const cert = makeCertificate();
  await writeTlsFiles(dataDir, cert.keyPem, cert.certPem);
  return {
    appliance,
    dataDir,
    fingerprint: certificateFingerprint(cert.certPem),
    token: async () => (await db().appliance.findUniqueOrThrow({ where: { id: 1 } })).connectionToken,
    close: async () => {
      await appliance.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let ipCounter = 0;
// A fresh address per call unless one is given, so that the per-address throttles only come into play
// where a test means them to.
export function freshIp(): string {
  ipCounter += 1;
  return `198.18.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export function sensorRequest(body: unknown, options: { authorization?: string; ip?: string; method?: string } = {}): HttpRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(options.authorization ? { authorization: options.authorization } : {}) },
    ip: options.ip ?? freshIp(),
    body: async () => raw,
  };
}

export const bearer = (token: string) => `Bearer ${token}`;

// Registration step 1 through the handler, and the client's proof for it (made with `token`, over the
// certificate `seen`, the console's own unless told otherwise): the Authorization header for step 2.
export async function tokenProof(token: string, seen: string, options: { ip?: string } = {}): Promise<string> {
  const clientNonce = newNonce();
  const response = await handleRegisterChallenge(sensorRequest({ protocol: 1, clientNonce }, { ip: options.ip }));
  if (response.status !== 200) throw new Error(`challenge refused: ${JSON.stringify(response.json)}`);
  const challenge = registerChallengeResponse.parse(response.json);
  const proof = clientProof(token, { purpose: 'sensor-registration', clientNonce, serverNonce: challenge.serverNonce, fingerprint: seen });
  return `Proof ${challenge.challengeId}:${proof}`;
}

// Both registration steps through the handlers, with the right token, from one address.
export async function registerThroughHandlers(
  testConsole: SensorTestConsole,
  body: unknown,
  options: { ip?: string; authorization?: string } = {},
) {
  const ip = options.ip ?? freshIp();
  const authorization = options.authorization ?? (await tokenProof(await testConsole.token(), testConsole.fingerprint, { ip }));
  return handleRegister(sensorRequest(body, { authorization, ip }));
}
export const sensorAuth = (sensorId: string, credential: string) => `Sensor ${sensorId}:${credential}`;

export function registerBody(name: string, extra: Record<string, unknown> = {}) {
  return { protocol: 1, name, version: '0.1.0', clock: Date.now(), ...extra };
}

export function heartbeatBody(extra: Record<string, unknown> = {}) {
  return {
    protocol: 1,
    version: '0.1.0',
    clock: Date.now(),
    highestTerm: 1,
    counters: { packets: 10, alerts: 1, devices: 2, outbox: 0 },
    ...extra,
  };
}

// Consecutive events from `from`: alternately an alert and a device report (devices cycle over 3 keys).
export function events(from: number, count: number, at = Date.now()): SensorEventInput[] {
  return Array.from({ length: count }, (_, i): SensorEventInput => {
    const seq = from + i;
    return seq % 2 === 1
      ? {
          seq,
          kind: 'alert',
          at: at + i,
          severity: (['low', 'medium', 'high', 'critical'] as const)[seq % 4]!,
          title: `Unauthorized Modbus write #${seq}`,
          protocol: 'modbus',
          source: '10.0.0.5',
          destination: '10.0.0.9',
        }
      : {
          seq,
          kind: 'device',
          at: at + i,
          key: `00:11:22:33:44:0${seq % 3}`,
          protocol: 's7',
          ip: `10.0.0.${seq % 3}`,
          vendor: 'Siemens',
          model: 'S7-1500',
          firmware: '2.9',
        };
  });
}

export const eventsBody = (list: readonly unknown[]) => ({ protocol: 1, events: list });

// Everything a sensor request could change, as one comparable string.
export async function sensorSnapshot(): Promise<string> {
  const [sensors, sensorEvents, devices, journal, audit] = await Promise.all([
    db().sensor.findMany({ orderBy: { id: 'asc' } }),
    db().sensorEvent.findMany({ orderBy: [{ sensorId: 'asc' }, { seq: 'asc' }] }),
    db().device.findMany({ orderBy: [{ sensorId: 'asc' }, { key: 'asc' }] }),
    db().journal.count({ where: { entity: { not: 'audit' } } }),
    db().auditEvent.count(),
  ]);
  return JSON.stringify({ sensors, sensorEvents, devices, journal, audit }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
