import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_CATEGORIES, LOG_CATEGORY_LABELS } from './categories.ts';
import { createLogger, getLogger } from './logger.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'otc-logs-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function records(file: string): Record<string, unknown>[] {
  return readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function allLogText(): string {
  return readdirSync(dir)
    .map((file) => readFileSync(path.join(dir, file), 'utf8'))
    .join('');
}

describe('createLogger', () => {
  it('writes JSON lines to one file per category, each record tagged with its category', () => {
    createLogger(dir, 'auth').info({ username: 'alice' }, 'signed in');
    createLogger(dir, 'ha').warn('peer unreachable');
    createLogger(dir, 'ha').info('peer back');

    const auth = records('auth.log');
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatchObject({ category: 'auth', msg: 'signed in', username: 'alice', level: 30 });
    expect(auth[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const ha = records('ha.log');
    expect(ha.map((record) => [record.category, record.msg])).toEqual([
      ['ha', 'peer unreachable'],
      ['ha', 'peer back'],
    ]);
    // 0o640 less the umask: never readable by other users.
    expect(statSync(path.join(dir, 'ha.log')).mode & 0o007).toBe(0);
  });

  it('drops records below its level', () => {
    const logger = createLogger(dir, 'core', { level: 'warn' });
    logger.info('not kept');
    logger.error('kept');
    expect(records('core.log').map((record) => record.msg)).toEqual(['kept']);
  });

  it('never writes secrets to disk', () => {
    const logger = createLogger(dir, 'auth');
    logger.info(
      { username: 'alice', password: 'hunter2-secret', token: 'abcd1234tokenvalue', nested: { password: 'x-secret-2' } },
      'login attempt',
    );
    logger.info(
      {
        req: { headers: { authorization: 'Bearer header-secret', cookie: 'session=cookie-secret' } },
        body: { user: { newPassword: 'deep-secret-3' } },
        peer: { connectionToken: 'pairing-secret-4', keyPem: '-----BEGIN PRIVATE KEY-----pem-secret' },
      },
      'request',
    );

    const text = allLogText();
    expect(text).toContain('alice');
    expect(text).toContain('[redacted]');
    for (const secret of [
      'hunter2-secret',
      'abcd1234tokenvalue',
      'x-secret-2',
      'header-secret',
      'cookie-secret',
      'deep-secret-3',
      'pairing-secret-4',
      'pem-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('rotates by size and keeps at most `keep` rotated files', () => {
    const maxBytes = 1_000;
    const keep = 3;
    const logger = createLogger(dir, 'sensors', { maxBytes, keep });

    for (let i = 0; i < 200; i++) {
      logger.info({ sensor: `sensor-${i}` }, 'heartbeat');
      const rotated = readdirSync(dir).filter((file) => /^sensors\.\d+\.log$/.test(file));
      expect(rotated.length).toBeLessThanOrEqual(keep);
    }

    expect(readdirSync(dir).sort()).toEqual(['sensors.1.log', 'sensors.2.log', 'sensors.3.log', 'sensors.log']);
    for (const file of readdirSync(dir)) {
      expect(statSync(path.join(dir, file)).size).toBeLessThanOrEqual(maxBytes);
      expect(records(file).every((record) => record.category === 'sensors')).toBe(true);
    }
    // Newest in the live file, older generations in ascending order, nothing lost between them.
    const sensors = ['sensors.3.log', 'sensors.2.log', 'sensors.1.log', 'sensors.log'].flatMap((file) =>
      records(file).map((record) => Number(String(record.sensor).slice('sensor-'.length))),
    );
    expect(sensors.at(-1)).toBe(199);
    expect(sensors).toEqual(sensors.map((_, i) => (sensors[0] ?? 0) + i));
  });

  it('continues an existing log file across restarts', () => {
    createLogger(dir, 'backup').info('first run');
    createLogger(dir, 'backup').info('second run');
    expect(records('backup.log').map((record) => record.msg)).toEqual(['first run', 'second run']);
  });
});

describe('getLogger', () => {
  const saved = process.env.OTC_LOG_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.OTC_LOG_DIR;
    else process.env.OTC_LOG_DIR = saved;
  });

  it('is silent without OTC_LOG_DIR', () => {
    delete process.env.OTC_LOG_DIR;
    expect(getLogger('database').level).toBe('silent');
  });

  it('logs to OTC_LOG_DIR and hands out one logger per category for the whole process', () => {
    process.env.OTC_LOG_DIR = dir;
    const logger = getLogger('web');
    expect(getLogger('web')).toBe(logger);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('otc.loggers')]).toBeInstanceOf(Map);
    logger.info({ path: '/api/health' }, 'request');
    expect(records('web.log')).toEqual([expect.objectContaining({ category: 'web', path: '/api/health' })]);
  });
});

describe('LOG_CATEGORIES', () => {
  it('has a label for every category', () => {
    for (const category of LOG_CATEGORIES) expect(LOG_CATEGORY_LABELS[category]).toBeTruthy();
  });
});
