import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIdentityFile, generateBackupKey } from '../../lib/backups/identity-file.ts';
import { APPLIANCE_COMMANDS } from '../../lib/cli/commands.ts';
import { connectionUrl, readCredentials } from '../../lib/db/credentials.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { signInOverHttps } from '../support/https.ts';

// The appliance commands as an admin gets them: installed by the documented step into a directory
// on the PATH, then typed in a shell that is somewhere else, with sudo's clean environment, against a
// real console on its embedded PostgreSQL, found without flags.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = '127.0.0.23';
const SUDO_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
let work: string;
let dataDir: string;
let prefix: string;
let elsewhere: string;
let configFile: string;
let port: number;
let running: RunningConsole | undefined;
let ca: string;
let identityFile: string;

// Next's types declare NODE_ENV always set; sudo's environment does not have it.
const sudoEnv = (env: Record<string, string>) => ({ PATH: SUDO_PATH, ...env }) as unknown as NodeJS.ProcessEnv;
const installer = (args: string[]) =>
  spawnSync('npm', ['run', '--silent', 'install-commands', '--', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env } });

// An installed command as sudo would start it: only PATH and the variables given, from another directory.
function typed(command: string, args: string[], env: Record<string, string> = {}, options: { cwd?: string; input?: string } = {}) {
  return spawnSync(path.join(prefix, command), args, {
    cwd: options.cwd ?? elsewhere,
    env: sudoEnv(env),
    encoding: 'utf8',
    input: options.input,
  });
}
const viaFile = () => ({ OTC_CONFIG_FILE: configFile });
const base = () => `https://${HOST}:${port}`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'otc-commands-'));
  // Traversable by others: the embedded PostgreSQL runs as its own user, and one test runs as nobody.
  await chmod(work, 0o755);
  dataDir = path.join(work, 'data');
  prefix = path.join(work, 'sbin');
  elsewhere = path.join(work, 'somewhere-else');
  configFile = path.join(work, 'console.env');
  for (const dir of [prefix, elsewhere]) await mkdir(dir, { mode: 0o755 });
  port = await freePort(HOST);
  await writeFile(configFile, `# the test appliance\nOTC_DATA_DIR=${dataDir}\nOTC_BIND_ADDRESS=${HOST}\nOTC_HTTPS_PORT=${port}\n`);
  // No OTC_DATA_DIR in the environment: the console finds everything in its configuration file.
  running = await startConsole(
    { OTC_CONFIG_FILE: configFile, OTC_DATA_DIR: '', OTC_BIND_ADDRESS: '', OTC_HTTPS_PORT: '', DATABASE_URL: '' },
    { logFile: path.join(work, 'console.out') },
  );
  ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
  // Backups are encrypted: the admin creates the key under System Settings → Backups and keeps the
  // identity file; here the same settings mutation stores the recipient in the running console's database.
  const key = await generateBackupKey();
  identityFile = path.join(work, 'backup-identity.txt');
  await writeFile(identityFile, formatIdentityFile(key, new Date()), { mode: 0o600 });
  process.env.DATABASE_URL = connectionUrl(readCredentials(dataDir)!);
  const { setSetting } = await import('../../lib/settings/mutations.ts');
  expect(await setSetting('backup.recipient', key.recipient, { username: 'admin' })).toEqual({ ok: true });
  const { disconnectDb } = await import('../../lib/db/lifecycle.ts');
  await disconnectDb();
});

afterAll(async () => {
  if (running) await stopConsole(running.process);
  await rm(work, { recursive: true, force: true });
});

describe('npm run install-commands', () => {
  it('(the console itself took its data directory, address and port from the configuration file)', () => {
    expect(running!.url).toBe(base());
    expect(existsSync(path.join(dataDir, 'pg/PG_VERSION'))).toBe(true);
  });

  it('writes one executable wrapper per appliance command, and again changes nothing', async () => {
    const first = installer(['--prefix', prefix]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    for (const command of APPLIANCE_COMMANDS) expect(first.stdout).toContain(`written   ${path.join(prefix, command)}\n`);
    expect((await readdir(prefix)).sort()).toEqual([...APPLIANCE_COMMANDS].sort());
    const again = installer(['--prefix', prefix]);
    expect(again.status).toBe(0);
    for (const command of APPLIANCE_COMMANDS) expect(again.stdout).toContain(`unchanged ${path.join(prefix, command)}\n`);
  });

  it('refuses, writing nothing, where a file of the same name is not its own; a missing prefix is named', async () => {
    const other = await mkdtemp(path.join(work, 'other-'));
    await writeFile(path.join(other, 'cyberx-management-backup'), '#!/bin/sh\necho mine\n');
    const refused = installer(['--prefix', other]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `install-commands: ${path.join(other, 'cyberx-management-backup')} exists and was not written by install-commands; remove it or choose another --prefix.\n`,
    );
    expect(await readdir(other)).toEqual(['cyberx-management-backup']);
    expect(await readFile(path.join(other, 'cyberx-management-backup'), 'utf8')).toBe('#!/bin/sh\necho mine\n');

    const missing = installer(['--prefix', path.join(work, 'no-such-dir')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `install-commands: There is no directory ${path.join(work, 'no-such-dir')}: create it or choose another with --prefix <dir>.\n`,
    );
    const usage = installer(['--prefx', prefix]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: install-commands [--prefix <dir>] [--remove]');
  });
});

describe('each installed command, typed from another directory', () => {
  it.each(APPLIANCE_COMMANDS)('%s: --help exits 0, a bad flag exits 2 with the usage line', (command) => {
    const help = typed(command, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: ${command} `));
    expect(help.stdout).toContain('Exit status: 0 done, 1 refused or failed, 2 usage error.');
    const bad = typed(command, ['--no-such-flag'], viaFile());
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(new RegExp(`\\nusage: ${command} .*\\n$|^${command}: usage: ${command} .*\\n$`));
  });

  let firstBackup: string;
  it('cyberx-management-backup -full backs up the running console found through the configuration file', async () => {
    const backup = typed('cyberx-management-backup', ['-full'], viaFile());
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const [, file] = /^Backup written: (\S+) \(\d+ bytes, sha256 [0-9a-f]{64}, encrypted to age1\w+\)\n$/.exec(backup.stdout)!;
    expect(path.dirname(file!)).toBe(path.join(dataDir, 'backups'));
    expect(existsSync(file!)).toBe(true);
    firstBackup = file!;
  });

  let resetPassword: string;
  it('cyberx-management-user-reset-password finds the console through OTC_DATA_DIR; the new password signs in', async () => {
    const reset = typed('cyberx-management-user-reset-password', ['-u', 'admin'], { OTC_DATA_DIR: dataDir });
    expect(reset.stderr).toBe('');
    expect(reset.status).toBe(0);
    resetPassword = /^Password of "admin" reset; the account is unlocked\. New password \(shown once\): (\S+)\n$/.exec(reset.stdout)![1]!;
    expect(await signInOverHttps(base(), ca, 'admin', resetPassword)).toHaveProperty('cookie');
    expect(await signInOverHttps(base(), ca, 'admin', running!.adminPassword!)).toEqual({ error: 'Invalid username or password.' });

    const unknown = typed('cyberx-management-user-reset-password', ['-u', 'nobody-here'], viaFile());
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('cyberx-management-user-reset-password: There is no user named "nobody-here".\n');
  });

  it('cyberx-management-system-restore, typed as the Backups page shows it, restores the newest backup', async () => {
    const restore = typed('cyberx-management-system-restore', ['-i', identityFile], viaFile());
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toMatch(
      new RegExp(`^Restored ${firstBackup.replaceAll('.', '\\.')}: made \\S+ on \\S+ \\(version [^)]+\\), \\d+ tables, \\d+ rows\\n$`),
    );
    // The backup predates the reset: the first password is back.
    expect(await signInOverHttps(base(), ca, 'admin', running!.adminPassword!)).toHaveProperty('cookie');
    expect(await signInOverHttps(base(), ca, 'admin', resetPassword)).toEqual({ error: 'Invalid username or password.' });
  });

  it('takes -b relative to the directory it is typed in (the wrapper does not change directory)', async () => {
    const restore = typed('cyberx-management-system-restore', ['-i', identityFile, '-b', path.basename(firstBackup)], viaFile(), {
      cwd: path.dirname(firstBackup),
    });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toMatch(/^Restored /);
  });
});

describe('refusals are one line and exit 1', () => {
  it('for anyone but root, after the arguments are checked; --help works for anyone', () => {
    if (process.getuid?.() !== 0) {
      // Run by an ordinary user: that user administers the consoles whose data directories they own, so
      // the refusal is seen on a data directory that belongs to root.
      const asUser = (args: string[]) => typed('cyberx-management-backup', args, { OTC_DATA_DIR: '/' });
      expect(asUser(['-full'])).toMatchObject({
        status: 1,
        stderr: 'cyberx-management-backup: this command changes the appliance and must be run as root: sudo cyberx-management-backup ...\n',
      });
      expect(asUser(['--help']).status).toBe(0);
      expect(asUser(['-x']).status).toBe(2);
      return;
    }
    const asNobody = (args: string[]) =>
      spawnSync(
        'setpriv',
        ['--reuid=nobody', '--regid=nogroup', '--clear-groups', path.join(prefix, 'cyberx-management-backup'), ...args],
        {
          cwd: elsewhere,
          env: sudoEnv(viaFile()),
          encoding: 'utf8',
        },
      );
    // Installed from a private directory (a clone in root's home), the console's files are root's alone:
    // the wrapper itself refuses in one line. Otherwise the command runs and refuses after its arguments.
    const script = path.join(root, 'cli', 'cyberx-management-backup.ts');
    const readable = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', script]).status === 0;
    const refused = asNobody(['-full']);
    expect(refused.status).toBe(1);
    if (!readable) {
      const line = `cyberx-management-backup: cannot read the console installed in ${root} as this user: run it with sudo.\n`;
      expect(refused.stderr).toBe(line);
      expect(asNobody(['--help'])).toMatchObject({ status: 1, stderr: line });
      return;
    }
    expect(refused.stderr).toBe(
      'cyberx-management-backup: this command changes the appliance and must be run as root: sudo cyberx-management-backup ...\n',
    );
    expect(asNobody(['--help']).status).toBe(0);
    expect(asNobody(['-x']).status).toBe(2);
  });

  it('for a missing data directory, a bad configuration file and an unreachable database', async () => {
    const missing = typed('cyberx-management-backup', ['-full'], { OTC_DATA_DIR: path.join(work, 'nothing-here') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `cyberx-management-backup: No console data directory at ${path.join(work, 'nothing-here')}: start the console once or set OTC_DATA_DIR (or OTC_DATA_DIR in /etc/otc-console/console.env).\n`,
    );

    const badFile = path.join(work, 'bad.env');
    await writeFile(badFile, `OTC_DATA_DIR=${dataDir}\nOTC_HTTPS_PORT 443\n`);
    const bad = typed('cyberx-management-user-reset-password', ['-u', 'admin'], { OTC_CONFIG_FILE: badFile });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `cyberx-management-user-reset-password: Invalid configuration: ${badFile} line 2: expected KEY=VALUE (for example OTC_DATA_DIR=/var/lib/otc-console).\n`,
    );

    const closedPort = await freePort('127.0.0.1');
    const unreachable = typed('cyberx-management-user-reset-password', ['-u', 'admin'], {
      OTC_DATA_DIR: dataDir,
      DATABASE_URL: `postgresql://postgres:s3cret@127.0.0.1:${closedPort}/console`,
    });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toBe(
      `cyberx-management-user-reset-password: Cannot reach the console's database at 127.0.0.1:${closedPort} (ECONNREFUSED): is its PostgreSQL running? Check DATABASE_URL.\n`,
    );
  });

  it('--remove takes the wrappers away again', async () => {
    const removed = installer(['--prefix', prefix, '--remove']);
    expect(removed.status).toBe(0);
    for (const command of APPLIANCE_COMMANDS) expect(removed.stdout).toContain(`removed   ${path.join(prefix, command)}\n`);
    expect(await readdir(prefix)).toEqual([]);
  });
});
