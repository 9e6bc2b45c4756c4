import { sharedThrottle } from '../auth/ip-throttle.ts';
import { getLogger } from '../logs/logger.ts';
import { lookupSensorAuth, type SensorAuth } from './credential-cache.ts';
import { credentialHashesEqual, hashCredential, parseSensorAuthorization } from './credential.ts';
import { failure, headerOf, type SensorHttpRequest, type SensorHttpResponse } from './http/types.ts';

// A deleted or re-registered sensor retries about once a second: 30 refusals a minute per address
// leave room for a few of those behind one NAT, and are useless for guessing a 256-bit credential.
const throttle = () => sharedThrottle('sensor-auth', () => ({ maxFailures: 30, windowMs: 60_000 }));

export type AuthenticatedSensor = SensorAuth & { id: string };

// Guard for every sensor endpoint after registration: "Authorization: Sensor <sensorId>:<credential>".
// The credential's hash is compared in constant time with the one kept in memory (loaded on a miss);
// wrong credentials and unknown sensors count against the caller's address.
export async function requireSensor(request: SensorHttpRequest, now = Date.now()): Promise<AuthenticatedSensor | SensorHttpResponse> {
  const wait = throttle().retryAfter(request.ip, now);
  if (wait > 0) {
    const seconds = String(Math.ceil(wait / 1000));
    return failure(429, 'THROTTLED', `Too many failed sensor authentications from your address. Try again in ${seconds} seconds.`, {
      'retry-after': seconds,
    });
  }
  const presented = parseSensorAuthorization(headerOf(request, 'authorization'));
  if (!presented)
    return failure(
      401,
      'SENSOR_AUTH_REQUIRED',
      'Send the sensor credential as "Authorization: Sensor <sensorId>:<credential>" (from the registration response).',
    );
  const sensor = await lookupSensorAuth(presented.sensorId);
  if (!sensor) {
    throttle().recordFailure(request.ip, now);
    getLogger('sensors').warn({ ip: request.ip, sensorId: presented.sensorId }, 'unknown sensor');
    return failure(
      401,
      'UNKNOWN_SENSOR',
      `This console has no sensor ${presented.sensorId}. It may have been deleted: register the sensor again with the connection string.`,
    );
  }
  if (!credentialHashesEqual(hashCredential(presented.credential), sensor.credentialHash)) {
    throttle().recordFailure(request.ip, now);
    getLogger('sensors').warn({ ip: request.ip, sensorId: presented.sensorId, sensor: sensor.name }, 'wrong sensor credential');
    return failure(
      401,
      'WRONG_CREDENTIAL',
      `The credential is not valid for sensor "${sensor.name}". It may have been replaced by a newer registration: register the sensor again with the connection string.`,
    );
  }
  return { ...sensor, id: presented.sensorId };
}

export function isSensorHttpResponse(value: AuthenticatedSensor | SensorHttpResponse): value is SensorHttpResponse {
  return 'status' in value;
}
