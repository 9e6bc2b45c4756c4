import { createRouter } from '../../http/router.ts';
import { failure } from '../../http/types.ts';
import { MAX_BODY_BYTES } from '../protocol.ts';
import { handleRegisterChallenge } from './challenge.ts';
import { handleEvents } from './events.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleRegister } from './register.ts';

export const SENSOR_API_PREFIX = '/api/v1/sensors/';

export const sensorRouter = createRouter({
  prefix: SENSOR_API_PREFIX,
  maxBodyBytes: MAX_BODY_BYTES,
  logCategory: 'sensors',
  routes: {
    'register/challenge': handleRegisterChallenge,
    register: handleRegister,
    heartbeat: handleHeartbeat,
    events: handleEvents,
  },
  notFound: (pathname) =>
    failure(
      404,
      'NOT_FOUND',
      `There is no sensor endpoint ${pathname.slice(0, 100)}. Sensor protocol v1 has /api/v1/sensors/register/challenge, /register, /heartbeat and /events.`,
    ),
});
