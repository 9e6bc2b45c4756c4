import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clusterDirOf, readCredentials } from './credentials.ts';
import { serverUserCanEnter, type ServerUser } from './postgres-user.ts';
import { SERVER_HOME, serverHome } from './server-home.ts';

// Where a new cluster goes. Under the data directory whenever PostgreSQL's user can reach it (always
// for an ordinary user, who runs PostgreSQL as itself), so that the data directory holds everything.
// Otherwise (root, with a 0700 directory above the data directory) in the server home, under a random
// name so that consoles and test runs never share a cluster even if they reuse a data directory path;
// the data directory records the location, and a note beside the cluster names its data directory.
export async function placeNewCluster(dataDir: string, user: ServerUser): Promise<{ clusterDir: string; relocated: boolean }> {
  if (serverUserCanEnter(user, dataDir)) return { clusterDir: path.join(dataDir, 'pg'), relocated: false };
  const home = serverHome('clusters', randomBytes(8).toString('hex'));
  await mkdir(home, { recursive: true, mode: 0o711 });
  await writeFile(path.join(home, 'data-directory'), `${await realpath(dataDir)}\n`, { mode: 0o644 });
  return { clusterDir: path.join(home, 'pg'), relocated: true };
}

// Removes a data directory's cluster when it lives outside the data directory (which the caller then
// removes itself): `--fresh` starts and tests clean up with it.
export async function removeRelocatedCluster(dataDir: string): Promise<void> {
  const credentials = readCredentials(dataDir);
  const clusterDir = clusterDirOf(dataDir, credentials);
  const home = path.dirname(clusterDir);
  if (!credentials?.clusterDir || !home.startsWith(path.join(SERVER_HOME, 'clusters') + path.sep) || !existsSync(home)) return;
  await rm(home, { recursive: true, force: true });
}
