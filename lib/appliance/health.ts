import { getAppliance } from './data.ts';
import { SOFTWARE_VERSION } from './version.ts';

export type Health = { status: 'ok' | 'unavailable'; version: string; role?: string; state?: string; term?: string };

export async function loadHealth(): Promise<Health> {
  try {
    const appliance = await getAppliance();
    if (!appliance) return { status: 'unavailable', version: SOFTWARE_VERSION };
    return {
      status: 'ok',
      version: SOFTWARE_VERSION,
      role: appliance.configuredRole,
      state: appliance.state,
      term: appliance.term.toString(),
    };
  } catch {
    return { status: 'unavailable', version: SOFTWARE_VERSION };
  }
}
