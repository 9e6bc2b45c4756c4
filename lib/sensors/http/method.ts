import { failure, type SensorHttpResponse } from './types.ts';

export function methodNotAllowed(): SensorHttpResponse {
  return failure(405, 'METHOD_NOT_ALLOWED', 'Sensor protocol endpoints take POST requests only.', { allow: 'POST' });
}
