import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StartupFailure } from '../runtime/startup-failure.ts';

// pg-credentials.json (mode 0600, in the data directory): how to reach this appliance's embedded
// PostgreSQL. The console connects as `role` (owner of the console database, no superuser rights); the
// superuser's password stays here for start-up maintenance only. `clusterDir` is absent when the cluster
// is the data directory's own pg/ (every data directory made before the cluster could live elsewhere).
export type Credentials = {
  port: number;
  password: string;
  database: string;
  role?: { name: string; password: string };
  clusterDir?: string;
};

export const credentialsFile = (dataDir: string) => path.join(dataDir, 'pg-credentials.json');

export function readCredentials(dataDir: string): Credentials | null {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
    if (!Number.isInteger(parsed.port) || typeof parsed.password !== 'string' || typeof parsed.database !== 'string')
      throw new Error('fields');
    return parsed;
  } catch {
    throw new StartupFailure(
      `${file} is damaged: restore it from a backup of the data directory, or start over with an empty data directory.`,
    );
  }
}

export async function writeCredentials(dataDir: string, credentials: Credentials): Promise<void> {
  // Written beside and renamed over: a command reading the file while the console writes it (or a crash
  // half-way) sees the old credentials or the new, never half of them.
  const file = credentialsFile(dataDir);
  const next = `${file}.next`;
  await writeFile(next, JSON.stringify(credentials), { mode: 0o600 });
  await rename(next, file);
}

export function clusterDirOf(dataDir: string, credentials: Credentials | null): string {
  return credentials?.clusterDir ?? path.join(dataDir, 'pg');
}

export function connectionUrl(credentials: Credentials, as: 'console' | 'superuser' = 'console'): string {
  const [user, password] =
    as === 'console' && credentials.role ? [credentials.role.name, credentials.role.password] : ['postgres', credentials.password];
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${credentials.port}/${credentials.database}`;
}
