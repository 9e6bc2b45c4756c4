import { liveHaState, noteSensorTerm } from '../../ha/live-state.ts';
import { monoNow } from '../../ha/mono.ts';
import { recordBeat } from '../../ha/vote-table.ts';
import { isAbsurdTime, clockOffsetMs } from '../clock.ts';
import { loadConsoleState } from '../console-state.ts';
import { durableSeq } from '../durability.ts';
import { isSensorHttpResponse, requireSensor } from '../guard.ts';
import { recordHeartbeat } from '../liveness.ts';
import { heartbeatRequest, type HeartbeatResponse } from '../protocol.ts';
import { methodNotAllowed } from '../../http/method.ts';
import { failure, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { parseSensorBody } from './body.ts';

// POST /api/v1/sensors/heartbeat — the hot path: no database read or write per call (credentials and
// the console state are cached, liveness is written in batches by the flusher).
export async function handleHeartbeat(request: HttpRequest): Promise<HttpResponse> {
  const sensor = await requireSensor(request);
  if (isSensorHttpResponse(sensor)) return sensor;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parseSensorBody(request, heartbeatRequest);
  if (!body.ok) return body.response;
  const now = Date.now();
  const beat = body.data;
  if (isAbsurdTime(beat.clock, now))
    return failure(400, 'ABSURD_CLOCK', "The sensor clock is more than a year away from the console's. Set the sensor's time (NTP).");
  // A higher term stops this console's writes before anything else happens (lib/failover/runtime.ts).
  noteSensorTerm(beat.highestTerm);
  const live = liveHaState();
  // Paired, a heartbeat is a vote for this console and gets the stamp its next one echoes; a probe is not.
  const vote = live ? recordBeat(sensor.id, { stamp: beat.stamp, probe: beat.probe }, monoNow()) : { stamp: null };
  if (!beat.probe)
    recordHeartbeat(sensor.id, {
      heardAt: now,
      ip: request.ip,
      version: beat.version,
      clockOffsetMs: clockOffsetMs(beat.clock, now),
      counters: beat.counters,
      highestTerm: beat.highestTerm,
    });
  const state = await loadConsoleState(now);
  const response: HeartbeatResponse = {
    ...state,
    ...(live ? { role: live.role, state: live.mode, term: live.term, active: live.active } : {}),
    ...(vote.stamp ? { stamp: vote.stamp } : {}),
    serverTime: now,
    ackedSeq: sensor.ackedSeq,
    durableSeq: durableSeq(sensor.ackedSeq, sensor.replicatedSeq),
  };
  return { status: 200, json: response };
}
