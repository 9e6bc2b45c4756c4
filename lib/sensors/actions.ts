'use server';

import { guardedAction } from '../auth/guard.ts';
import { getSetting } from '../settings/data.ts';
import { acknowledgeAlert, allowSensorReplacement, deleteSensor } from './mutations.ts';
import { alertRefSchema, sensorIdInputSchema } from './schema.ts';

export const removeSensor = guardedAction('ADMIN', sensorIdInputSchema, async (input, user) => {
  const disconnectAfterMs = (await getSetting('sensors.disconnectAfterSeconds')) * 1000;
  return deleteSensor(input.id, { username: user.username, ip: user.ip }, { disconnectAfterMs });
});

export const acknowledgeSensorAlert = guardedAction('SECURITY_ANALYST', alertRefSchema, async (input, user) =>
  acknowledgeAlert(input, { username: user.username, ip: user.ip }),
);

// "Replace sensor": the next registration under this sensor's name within the window takes it over.
export const replaceSensor = guardedAction('ADMIN', sensorIdInputSchema, async (input, user) =>
  allowSensorReplacement(input.id, { username: user.username, ip: user.ip }),
);
