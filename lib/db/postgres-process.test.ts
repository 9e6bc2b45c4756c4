import { describe, expect, it } from 'vitest';
import { reasonIn, serverEnv } from './postgres-process.ts';

// The reason PostgreSQL and initdb give, as they print it, turned into the tail of one line.
describe('reasonIn', () => {
  it('puts the LOG line that explains a FATAL first', () => {
    const output = [
      '2026-12-01 21:20:31.112 UTC [1] LOG:  invalid value for parameter "shared_buffers": "banana"',
      '2026-12-01 21:20:31.112 UTC [1] FATAL:  configuration file "/x/pg/postgresql.conf" contains errors',
    ].join('\n');
    expect(reasonIn(output)).toBe(
      'invalid value for parameter "shared_buffers": "banana" (configuration file "/x/pg/postgresql.conf" contains errors)',
    );
  });

  it('gives a FATAL alone when the line before is the usual start-up chatter', () => {
    const output = [
      '2026-12-01 21:20:31.100 UTC [1] LOG:  starting PostgreSQL 18.0 on x86_64-pc-linux-gnu',
      '2026-12-01 21:20:31.112 UTC [1] FATAL:  data directory "/x/pg" has invalid permissions',
      '2026-12-01 21:20:31.112 UTC [1] DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).',
    ].join('\n');
    expect(reasonIn(output)).toBe('data directory "/x/pg" has invalid permissions');
  });

  it("reads initdb's own error line", () => {
    expect(
      reasonIn(
        'The files belonging to this database system will be owned by user "postgres".\ninitdb: error: could not access directory "/x/pg": Permission denied\n',
      ),
    ).toBe('could not access directory "/x/pg": Permission denied');
  });

  it('falls back to the last line printed', () => {
    expect(reasonIn('one\ntwo\n\n')).toBe('two');
    expect(reasonIn('')).toBe('');
  });
});

describe('serverEnv', () => {
  it("keeps the console's secrets from PostgreSQL and passes on only the path, the locale and a preloaded clock", () => {
    const env = serverEnv({
      PATH: '/usr/bin',
      DATABASE_URL: 'postgres://console:secret@127.0.0.1/console',
      OTC_DATA_DIR: '/var/lib/otc',
      LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
      FAKETIME_TIMESTAMP_FILE: '/var/lib/otc/faketime',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIMEX: 'no',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      LC_ALL: 'C',
      LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
      FAKETIME_TIMESTAMP_FILE: '/var/lib/otc/faketime',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    });
    expect(serverEnv({})).toEqual({ PATH: '/usr/bin:/bin', LC_ALL: 'C' });
  });
});
