import { getLogger } from '../../logs/logger.ts';
import { handleEvents } from './events.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleRegister } from './register.ts';
import { failure, type SensorHandler, type SensorHttpRequest, type SensorHttpResponse } from './types.ts';

export const SENSOR_API_PREFIX = '/api/v1/sensors/';

const HANDLERS = new Map<string, SensorHandler>([
  ['register', handleRegister],
  ['heartbeat', handleHeartbeat],
  ['events', handleEvents],
]);

// A handler's exception is a bug: it is logged and answered with a 500 that says nothing about internals.
export async function runSensorHandler(handler: SensorHandler, request: SensorHttpRequest): Promise<SensorHttpResponse> {
  try {
    return await handler(request);
  } catch (error) {
    getLogger('sensors').error(
      { err: error instanceof Error ? (error.stack ?? error.message) : String(error), ip: request.ip },
      'sensor request failed',
    );
    return failure(500, 'INTERNAL', 'The console failed to handle this request. It has been logged; retry later.');
  }
}

// The handler for a path under /api/v1/sensors/, or null (→ 404).
export function sensorHandlerFor(pathname: string): SensorHandler | null {
  if (!pathname.startsWith(SENSOR_API_PREFIX)) return null;
  return HANDLERS.get(pathname.slice(SENSOR_API_PREFIX.length)) ?? null;
}
