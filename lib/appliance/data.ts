import { db } from '../db/client.ts';

export async function getAppliance() {
  return db().appliance.findUnique({ where: { id: 1 } });
}

export async function getApplianceOrThrow() {
  const appliance = await getAppliance();
  if (!appliance) throw new Error('The appliance has not been initialised: start it with server.ts');
  return appliance;
}
