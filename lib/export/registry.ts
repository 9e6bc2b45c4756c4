import { processSingleton } from '../runtime/process-singleton.ts';

// The exports this process is writing right now, id → the job's promise. A row still marked running that
// is not in here was interrupted (the console restarted mid-export) and is reported as failed. One per
// process (processSingleton): server.ts and the Next.js bundle load this module separately.
export function liveExports(): Map<string, Promise<void>> {
  return processSingleton('logExports', () => new Map<string, Promise<void>>());
}

export const INTERRUPTED_MESSAGE = 'Interrupted: the console restarted while this archive was being written. Export again.';

// Resolves once the background job writing this export has settled (at once when there is none).
export async function logExportSettled(id: string): Promise<void> {
  await liveExports().get(id);
}
