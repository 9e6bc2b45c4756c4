import { getAppliance } from './data.ts';
import { SOFTWARE_VERSION } from './version.ts';
import { writeLease } from '../runtime/write-lease.ts';

// `writable`: this console accepts people's changes now (active and, paired, holding the write lease) —
// what a load balancer or a monitor looks for to find the console to send people to.
export type Health = { status: 'ok' | 'unavailable'; version: string; role?: string; state?: string; term?: string; writable?: boolean };

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
      writable: appliance.state === 'ACTIVE' && writeLease().ok,
    };
  } catch {
    return { status: 'unavailable', version: SOFTWARE_VERSION };
  }
}
