import { getLogger } from '../../logs/logger.ts';
import { isAbsurdTime } from '../clock.ts';
import { isSensorHttpResponse, requireSensor } from '../guard.ts';
import { durableSeq } from '../durability.ts';
import { INGEST_WAIT_MS, ingestEvents } from '../mutations.ts';
import { takeIngestSlot } from '../ingest-slots.ts';
import { eventsRequest, type EventsResponse } from '../protocol.ts';
import { methodNotAllowed } from '../../http/method.ts';
import { failure, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { parseSensorBody } from './body.ts';

// Prisma's code for "no pooled connection within maxWait": the console is saturated, not the input bad.
function isPoolTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2028';
}

// POST /api/v1/sensors/events — a batch of alerts and device reports, stored exactly once per seq.
export async function handleEvents(request: HttpRequest): Promise<HttpResponse> {
  const sensor = await requireSensor(request);
  if (isSensorHttpResponse(sensor)) return sensor;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parseSensorBody(request, eventsRequest);
  if (!body.ok) return body.response;
  const now = Date.now();
  const absurd = body.data.events.find((e) => isAbsurdTime(e.at, now));
  if (absurd)
    return failure(
      400,
      'ABSURD_TIME',
      `Event ${absurd.seq} is dated more than a year away from the console's clock. Nothing in this batch was stored; fix the sensor's time (NTP).`,
    );

  const busy = () =>
    failure(503, 'BUSY', "The console is busy storing other sensors' events. Keep the batch and retry in a second.", {
      'retry-after': '1',
    });
  const release = await takeIngestSlot(INGEST_WAIT_MS);
  if (!release) return busy();
  let result;
  try {
    result = await ingestEvents(sensor.id, body.data.events);
  } catch (error) {
    if (!isPoolTimeout(error)) throw error;
    return busy();
  } finally {
    release();
  }
  if (!result.ok && result.code === 'SEQ_GAP') {
    getLogger('sensors').info(
      { sensorId: sensor.id, expected: result.expected, first: body.data.events[0]!.seq },
      'event batch out of order',
    );
    return { status: 409, json: { code: result.code, message: result.message, expectedSeq: result.expected } };
  }
  if (!result.ok) return failure(401, result.code, result.message);
  const response: EventsResponse = {
    ackedSeq: result.ackedSeq,
    durableSeq: durableSeq(result.ackedSeq, Math.max(result.replicatedSeq, sensor.replicatedSeq)),
    stored: result.stored,
    duplicates: result.duplicates,
  };
  return { status: 200, json: response };
}
