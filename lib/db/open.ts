import { existsSync, readFileSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../runtime/process-alive.ts';
import { connectionUrl, readCredentials } from './credentials.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase, type EmbeddedOptions } from './embedded.ts';
import { StartupFailure } from '../runtime/startup-failure.ts';

const lockFile = (dataDir: string) => path.join(dataDir, 'appliance.pid');

// The pid of the console running on this data directory, if any.
export function runningAppliancePid(dataDir: string): number | null {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
}

export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  // Created exclusively, so that of two consoles starting at the same moment one wins; a file whose
  // console is gone is replaced.
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockFile(dataDir), String(process.pid), { flag: 'wx' });
      return async () => unlink(lockFile(dataDir)).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const other = runningAppliancePid(dataDir);
      if (other)
        throw new StartupFailure(`Another console (pid ${other}) is running on ${dataDir}: stop it first, or choose another OTC_DATA_DIR.`);
      if (attempt > 0) throw new StartupFailure(`${lockFile(dataDir)} cannot be replaced: remove it if no console runs on ${dataDir}.`);
      await unlink(lockFile(dataDir)).catch(() => undefined);
    }
  }
}

// The database for this appliance: DATABASE_URL when given, otherwise the embedded server of the data
// directory. A CLI run beside a running console connects to that console's server instead of starting
// a second one.
export async function openDatabase(dataDir: string, databaseUrl: string | undefined, options?: EmbeddedOptions): Promise<EmbeddedDatabase> {
  if (databaseUrl) return { url: databaseUrl, stop: async () => {} };
  const credentials = runningAppliancePid(dataDir) ? readCredentials(dataDir) : null;
  if (credentials) return { url: connectionUrl(credentials), superuserUrl: connectionUrl(credentials, 'superuser'), stop: async () => {} };
  return startEmbeddedDatabase(dataDir, options);
}
