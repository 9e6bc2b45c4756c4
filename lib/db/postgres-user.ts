import { spawnSync } from 'node:child_process';
import { StartupFailure } from '../runtime/startup-failure.ts';

// PostgreSQL refuses to run as root. A console started as root runs initdb and postgres as the system
// user `postgres` (created when missing, as distribution packages do); an ordinary user runs them as
// itself, and then `null` stands for "the current user".
export type ServerUser = { name: string; uid: number; gid: number } | null;

const NAME = 'postgres';

function idOf(flag: '-u' | '-g'): number | null {
  const result = spawnSync('id', [flag, NAME], { encoding: 'utf8' });
  const id = Number(result.stdout?.trim());
  return result.status === 0 && Number.isInteger(id) ? id : null;
}

export function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return null;
  let uid = idOf('-u');
  if (uid === null) {
    const created = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', NAME],
      { encoding: 'utf8' },
    );
    uid = idOf('-u');
    if (uid === null)
      throw new StartupFailure(
        `PostgreSQL cannot run as root and the system user "${NAME}" could not be created (${(created.stderr || created.error?.message || 'useradd failed').trim()}): create it with \`useradd --system --user-group ${NAME}\` and start again.`,
      );
  }
  const gid = idOf('-g')!;
  return { name: NAME, uid, gid };
}

// Whether the server's user can search (and, for `write`, create files in) a directory: the answer
// depends on every directory above it, so it is asked of the kernel as that user rather than computed.
export function serverUserCanEnter(user: ServerUser, dir: string, write = false): boolean {
  if (!user) return true;
  const result = spawnSync('test', [write ? '-w' : '-x', dir], { uid: user.uid, gid: user.gid });
  return result.status === 0;
}

export function serverUserCanRun(user: ServerUser, executable: string): boolean {
  const result = spawnSync(executable, ['--version'], user ? { uid: user.uid, gid: user.gid } : {});
  return result.status === 0;
}
