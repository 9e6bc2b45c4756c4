import { existsSync, readFileSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../runtime/process-alive.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';

const lockFile = (dataDir: string) => path.join(dataDir, 'appliance.pid');

// The pid of the console running on this data directory, if any.
export function runningAppliancePid(dataDir: string): number | null {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
}

export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const other = runningAppliancePid(dataDir);
  if (other) throw new Error(`Another console (pid ${other}) is running on ${dataDir}. Stop it first or choose another OTC_DATA_DIR.`);
  await writeFile(lockFile(dataDir), String(process.pid));
  return async () => unlink(lockFile(dataDir)).catch(() => undefined);
}

// The database for this appliance: DATABASE_URL when given, otherwise the embedded server under the
// data directory. A CLI run beside a running console connects to that console's server instead of
// starting a second one.
export async function openDatabase(
  dataDir: string,
  databaseUrl: string | undefined,
  onLog?: (message: string) => void,
): Promise<EmbeddedDatabase> {
  if (databaseUrl) return { url: databaseUrl, stop: async () => {} };
  if (runningAppliancePid(dataDir)) {
    const credentials = JSON.parse(readFileSync(path.join(dataDir, 'pg-credentials.json'), 'utf8')) as {
      port: number;
      password: string;
      database: string;
    };
    return {
      url: `postgresql://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${credentials.port}/${credentials.database}`,
      stop: async () => {},
    };
  }
  return startEmbeddedDatabase(dataDir, onLog);
}
