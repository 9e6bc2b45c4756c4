import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, installRoot, loadConfig } from './env.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'otc-env-test-'));
let files = 0;
// Each test gets a file of its own: a process reads a given configuration file once.
function configFile(text: string): string {
  const file = path.join(dir, `console-${files++}.env`);
  writeFileSync(file, text);
  return file;
}
const noFile = () => ({ OTC_CONFIG_FILE: configFile('') });

describe('loadConfig', () => {
  it('has appliance defaults', () => {
    const c = loadConfig(noFile());
    expect(c).toMatchObject({ httpsPort: 443, bindAddress: '0.0.0.0', lockoutAttempts: 5, lockoutMinutes: 15, databaseUrl: undefined });
    expect(c.sessionMaxSeconds).toBe(12 * 60 * 60);
    expect(c.logDir).toBe(`${c.dataDir}/logs`);
    expect(c.configFile).toBeUndefined();
  });

  it('defaults the data directory to <install root>/data/console whatever the current directory', () => {
    expect(installRoot()).toBe(root);
    expect(defaultDataDir()).toBe(path.join(root, 'data/console'));
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect(loadConfig(noFile()).dataDir).toBe(path.join(root, 'data/console'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('uses a concrete bind address as the public address', () => {
    expect(loadConfig({ ...noFile(), OTC_BIND_ADDRESS: '127.0.0.11', OTC_HTTPS_PORT: '8443' })).toMatchObject({
      publicAddress: '127.0.0.11',
      httpsPort: 8443,
    });
  });

  it.each([
    [{ OTC_HTTPS_PORT: '70000' }, /OTC_HTTPS_PORT/],
    [{ OTC_BIND_ADDRESS: 'localhost' }, /OTC_BIND_ADDRESS/],
    [{ OTC_DOMAIN: 'bad domain' }, /OTC_DOMAIN/],
    [{ DATABASE_URL: 'postgresql://u:p@[bad/db' }, /DATABASE_URL: expected postgresql:\/\/user:password@host:port\/database/],
    [{ DATABASE_URL: 'mysql://u:p@db/console' }, /DATABASE_URL: expected postgresql:/],
    [{ OTC_SESSION_MAX_SECONDS: '5' }, /OTC_SESSION_MAX_SECONDS/],
    [{ OTC_SESSION_MAX_SECONDS: '1.5h' }, /OTC_SESSION_MAX_SECONDS/],
  ])('names the bad variable %j', (env, message) => expect(() => loadConfig({ ...noFile(), ...env })).toThrow(message));
});

describe('the appliance configuration file', () => {
  it('supplies settings (comments, export, quotes), and the environment wins over it', () => {
    const file = configFile(
      [
        '# this appliance',
        'OTC_DATA_DIR=/var/lib/otc-console',
        '',
        'export OTC_HTTPS_PORT="8443"',
        "OTC_MODEL='OTC-1000'",
        'OTC_LOG_LEVEL=debug',
        'OTC_DOMAIN=',
      ].join('\n'),
    );
    const fromFile = loadConfig({ OTC_CONFIG_FILE: file });
    expect(fromFile).toMatchObject({
      dataDir: '/var/lib/otc-console',
      logDir: '/var/lib/otc-console/logs',
      httpsPort: 8443,
      model: 'OTC-1000',
      logLevel: 'debug',
      domain: undefined,
      configFile: file,
    });
    // An empty variable in the environment does not hide the file's value.
    const overridden = loadConfig({ OTC_CONFIG_FILE: file, OTC_DATA_DIR: '/srv/other', OTC_HTTPS_PORT: '9443', OTC_MODEL: '' });
    expect(overridden).toMatchObject({ dataDir: '/srv/other', httpsPort: 9443, model: 'OTC-1000' });
  });

  it('is read once per process: later edits apply at the next start', () => {
    const file = configFile('OTC_HTTPS_PORT=8443\n');
    expect(loadConfig({ OTC_CONFIG_FILE: file }).httpsPort).toBe(8443);
    writeFileSync(file, 'OTC_HTTPS_PORT=9443\n');
    expect(loadConfig({ OTC_CONFIG_FILE: file }).httpsPort).toBe(8443);
  });

  it.each([
    ['OTC_DATA_DIR=/x\nthis is not a setting\n', /console-\d+\.env line 2: expected KEY=VALUE/],
    ['OTC_HTTPS_PORT=1\nOTC_DATA_DIR=/x\nOTC_DATTA_DIR=/y\n', /line 3: unknown setting OTC_DATTA_DIR; the settings are OTC_DATA_DIR, /],
    ['OTC_HTTPS_PORT=1\nOTC_HTTPS_PORT=2\n', /line 2: OTC_HTTPS_PORT is already set on line 1\./],
    ['OTC_MODEL="OTC\n', /line 1: the value of OTC_MODEL opens a " quote that is not closed/],
    ['OTC_DATA_DIR=data/console\n', /line 1: OTC_DATA_DIR must be an absolute path\./],
    ['OTC_CONFIG_FILE=/etc/elsewhere\n', /line 1: unknown setting OTC_CONFIG_FILE/],
    ['\n\nOTC_HTTPS_PORT=70000\n', /^Invalid configuration: OTC_HTTPS_PORT \(\S+console-\d+\.env line 3\): /],
  ])('refuses %j with the file and line', (text, message) => {
    expect(() => loadConfig({ OTC_CONFIG_FILE: configFile(text) })).toThrow(message);
  });

  it('never echoes a value in an error (DATABASE_URL carries a password)', () => {
    const file = configFile('DATABASE_URL postgresql://u:s3cret@db/console\n');
    expect(() => loadConfig({ OTC_CONFIG_FILE: file })).toThrow(/line 1: expected KEY=VALUE/);
    expect(() => loadConfig({ OTC_CONFIG_FILE: file })).not.toThrow(/s3cret/);
  });

  it('a file named by OTC_CONFIG_FILE must exist', () => {
    const missing = path.join(dir, 'missing.env');
    expect(() => loadConfig({ OTC_CONFIG_FILE: missing })).toThrow(
      `Invalid configuration: OTC_CONFIG_FILE names ${missing}, which does not exist.`,
    );
  });
});
