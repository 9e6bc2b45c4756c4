import { sharedThrottle } from '../auth/ip-throttle.ts';
import { failure, headerOf, isHttpResponse, type HttpRequest, type HttpResponse } from '../http/types.ts';
import { getLogger } from '../logs/logger.ts';
import { lookupSensorAuth, type SensorAuth } from './credential-cache.ts';
import { credentialHashesEqual, hashCredential, parseSensorAuthorization } from './credential.ts';

// Failures count per (address, sensor id): a broken or deleted sensor behind a NAT slows down only
// itself, never the other sensors of its site. 30 a minute leave room for a sensor retrying about once a
// second and are useless for guessing a 256-bit credential; 10,000 remembered pairs bound the memory.
const throttle = () => sharedThrottle('sensor-auth', () => ({ maxFailures: 30, windowMs: 60_000, maxEntries: 10_000 }));

export type AuthenticatedSensor = SensorAuth & { id: string };

// Guard for every sensor endpoint after registration: "Authorization: Sensor <sensorId>:<credential>".
// It reads headers only (the body comes after it). The credential's hash is compared in constant time
// with the one kept in memory (loaded on a miss), always: a valid credential is accepted whatever others
// did from the same address. Wrong credentials and unknown sensors count against the (address, sensor
// id) pair, which after too many is answered 429 with Retry-After instead of 401, and the log is spared.
export async function requireSensor(
  request: Pick<HttpRequest, 'headers' | 'ip'>,
  now = Date.now(),
): Promise<AuthenticatedSensor | HttpResponse> {
  const presented = parseSensorAuthorization(headerOf(request, 'authorization'));
  if (!presented)
    return failure(
      401,
      'SENSOR_AUTH_REQUIRED',
      'Send the sensor credential as "Authorization: Sensor <sensorId>:<credential>" (from the registration response).',
    );
  const sensor = await lookupSensorAuth(presented.sensorId);
  if (sensor && credentialHashesEqual(hashCredential(presented.credential), sensor.credentialHash))
    return { ...sensor, id: presented.sensorId };
  // Refused. A pair that failed too often is told to wait (Retry-After) rather than counted again.
  const key = `${request.ip}|${presented.sensorId}`;
  const wait = throttle().retryAfter(key, now);
  if (wait > 0) {
    const seconds = String(Math.ceil(wait / 1000));
    return failure(
      429,
      'THROTTLED',
      `Too many failed authentications for sensor ${presented.sensorId} from your address. Try again in ${seconds} seconds.`,
      { 'retry-after': seconds },
    );
  }
  throttle().recordFailure(key, now);
  if (!sensor) {
    getLogger('sensors').warn({ ip: request.ip, sensorId: presented.sensorId }, 'unknown sensor');
    return failure(
      401,
      'UNKNOWN_SENSOR',
      `This console has no sensor ${presented.sensorId}. It may have been deleted: register the sensor again with the connection string.`,
    );
  }
  getLogger('sensors').warn({ ip: request.ip, sensorId: presented.sensorId, sensor: sensor.name }, 'wrong sensor credential');
  return failure(
    401,
    'WRONG_CREDENTIAL',
    `The credential is not valid for sensor "${sensor.name}". It may have been replaced by a newer registration: register the sensor again with the connection string.`,
  );
}

export function isSensorHttpResponse(value: AuthenticatedSensor | HttpResponse): value is HttpResponse {
  return isHttpResponse(value);
}
