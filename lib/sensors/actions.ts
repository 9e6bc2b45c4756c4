'use server';

import { guardedWrite } from '../auth/guard.ts';
import { getSetting } from '../settings/data.ts';
import { acknowledgeAlert, allowSensorReplacement, deleteSensor } from './mutations.ts';
import { alertRefSchema, sensorIdInputSchema } from './schema.ts';

export const removeSensor = guardedWrite('ADMIN', sensorIdInputSchema, async (input, user) => {
  const disconnectAfterMs = (await getSetting('sensors.disconnectAfterSeconds')) * 1000;
  return deleteSensor(input.id, { username: user.username, ip: user.ip }, { disconnectAfterMs });
});

export const acknowledgeSensorAlert = guardedWrite('SECURITY_ANALYST', alertRefSchema, async (input, user) =>
  acknowledgeAlert(input, { username: user.username, ip: user.ip }),
);

// "Replace sensor": the next registration under this sensor's name within the window takes it over.
export const replaceSensor = guardedWrite('ADMIN', sensorIdInputSchema, async (input, user) =>
  allowSensorReplacement(input.id, { username: user.username, ip: user.ip }),
);
