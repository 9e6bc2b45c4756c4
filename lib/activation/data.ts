import { db } from '../db/client.ts';
import { countDistinctDevices } from '../sensors/data.ts';

export async function getActivation() {
  return db().activation.findUnique({ where: { id: 1 } });
}

// How many distinct devices the managed sensors report (a device seen by two sensors counts once).
// Everything that compares monitored with committed devices calls this one function.
export async function countMonitoredDevices(): Promise<number> {
  return countDistinctDevices();
}
