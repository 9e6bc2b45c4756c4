'use server';

import { guardedAction } from '../auth/guard.ts';
import { getSetting } from '../settings/data.ts';
import { acknowledgeAlert, deleteSensor } from './mutations.ts';
import { alertRefSchema, sensorIdInputSchema } from './schema.ts';

export const removeSensor = guardedAction('ADMIN', sensorIdInputSchema, async (input, user) => {
  const disconnectAfterMs = (await getSetting('sensors.disconnectAfterSeconds')) * 1000;
  return deleteSensor(input.id, { username: user.username, ip: user.ip }, { disconnectAfterMs });
});

export const acknowledgeSensorAlert = guardedAction('SECURITY_ANALYST', alertRefSchema, async (input, user) =>
  acknowledgeAlert(input, { username: user.username, ip: user.ip }),
);
