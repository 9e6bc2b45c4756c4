import { requireConnectionToken } from '../../appliance/token-guard.ts';
import { readTlsFiles } from '../../appliance/tls-files.ts';
import { loadConfig } from '../../config/env.ts';
import { getLogger } from '../../logs/logger.ts';
import { certificateFingerprint } from '../../pki/fingerprint.ts';
import { isAbsurdTime } from '../clock.ts';
import { registerSensor } from '../mutations.ts';
import { registerRequest, type RegisterResponse } from '../protocol.ts';
import { HEARTBEAT_INTERVAL_MS } from '../timing.ts';
import { failure, headerOf, type SensorHttpRequest, type SensorHttpResponse } from './types.ts';
import { parseBody } from './body.ts';
import { methodNotAllowed } from './method.ts';

// POST /api/v1/sensors/register — authorized by the connection-string token.
export async function handleRegister(request: SensorHttpRequest): Promise<SensorHttpResponse> {
  const authorization = headerOf(request, 'authorization');
  const allowed = await requireConnectionToken(
    new Request('https://console/api/v1/sensors/register', {
      headers: { 'x-forwarded-for': request.ip, ...(authorization ? { authorization } : {}) },
    }),
  );
  if (allowed !== true) {
    const retryAfter = allowed.headers.get('retry-after');
    return { status: allowed.status, json: await allowed.json(), headers: retryAfter ? { 'retry-after': retryAfter } : undefined };
  }
  if (request.method !== 'POST') return methodNotAllowed();
  const body = parseBody(request, registerRequest);
  if (!body.ok) return body.response;
  const now = Date.now();
  if (isAbsurdTime(body.data.clock, now))
    return failure(
      400,
      'ABSURD_CLOCK',
      "The sensor clock is more than a year away from the console's. Set the sensor's time (NTP) and register again.",
    );

  // Before anything is written: without its certificate the console cannot answer, and must not half-register.
  const { cert } = await readTlsFiles(loadConfig().dataDir);
  const consoleFingerprint = certificateFingerprint(cert);
  const registered = await registerSensor({ ...body.data, ip: request.ip }, now);
  getLogger('sensors').info(
    { sensorId: registered.sensorId, name: body.data.name, ip: request.ip, created: registered.created },
    registered.created ? 'sensor registered' : 'sensor re-registered with a new credential',
  );
  const response: RegisterResponse = {
    sensorId: registered.sensorId,
    credential: registered.credential,
    consoleFingerprint,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    ackedSeq: registered.ackedSeq,
    peers: [],
  };
  return { status: 200, json: response };
}
