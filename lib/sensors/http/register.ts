import { durableSeq } from '../durability.ts';
import { loadConsoleState } from '../console-state.ts';
import { requireConnectionTokenProof } from '../../appliance/token-guard.ts';
import { readTlsFiles } from '../../appliance/tls-files.ts';
import { loadConfig } from '../../config/env.ts';
import { methodNotAllowed } from '../../http/method.ts';
import { failure, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { getLogger } from '../../logs/logger.ts';
import { certificateFingerprint } from '../../pki/fingerprint.ts';
import { isAbsurdTime } from '../clock.ts';
import { registerSensor } from '../mutations.ts';
import { registerRequest, type RegisterResponse } from '../protocol.ts';
import { HEARTBEAT_INTERVAL_MS } from '../timing.ts';
import { parseSensorBody } from './body.ts';

// POST /api/v1/sensors/register — step 2: authorized by the sensor's proof of the connection-string
// token (never the token itself), answered from the challenge of step 1.
export async function handleRegister(request: HttpRequest): Promise<HttpResponse> {
  const allowed = await requireConnectionTokenProof(request, 'sensor-registration');
  if (allowed !== true) return allowed;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parseSensorBody(request, registerRequest);
  if (!body.ok) return body.response;
  const now = Date.now();
  if (isAbsurdTime(body.data.clock, now))
    return failure(
      400,
      'ABSURD_CLOCK',
      "The sensor clock is more than a year away from the console's. Set the sensor's time (NTP) and register again.",
    );

  // A sensor is registered where changes are made; a standby or frozen console learns it by replication.
  const state = await loadConsoleState(now);
  if (state.state !== 'ACTIVE') {
    const active = state.peers[0];
    return failure(
      409,
      'NOT_ACTIVE',
      `This console is ${state.state.toLowerCase()} and does not register sensors${active ? `: register with the active console at ${active.address}${active.port === 443 ? '' : `:${active.port}`}` : ''}.`,
    );
  }
  // Before anything is written: without its certificate the console cannot answer, and must not half-register.
  const consoleFingerprint = request.servedCertificate?.() ?? certificateFingerprint((await readTlsFiles(loadConfig().dataDir)).cert);
  const registered = await registerSensor({ ...body.data, ip: request.ip }, now);
  if (!registered.ok) {
    getLogger('sensors').warn({ name: body.data.name, ip: request.ip }, 'registration refused: name taken');
    return failure(409, registered.code, registered.message);
  }
  getLogger('sensors').info(
    { sensorId: registered.sensorId, name: body.data.name, ip: request.ip, created: registered.created, replaced: registered.replaced },
    registered.created
      ? 'sensor registered'
      : registered.replaced
        ? 'sensor replaced by a new registration'
        : 'sensor re-registered with a new credential',
  );
  const response: RegisterResponse = {
    sensorId: registered.sensorId,
    credential: registered.credential,
    consoleFingerprint,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    ackedSeq: registered.ackedSeq,
    durableSeq: durableSeq(registered.ackedSeq, registered.replicatedSeq),
    peers: (await loadConsoleState(now)).peers,
  };
  return { status: 200, json: response };
}
