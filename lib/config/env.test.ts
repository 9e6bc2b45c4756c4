import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

describe('loadConfig', () => {
  it('has appliance defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpsPort: 443, bindAddress: '0.0.0.0', lockoutAttempts: 5, lockoutMinutes: 15, databaseUrl: undefined });
    expect(c.sessionMaxSeconds).toBe(12 * 60 * 60);
    expect(c.logDir).toBe(`${c.dataDir}/logs`);
  });

  it('uses a concrete bind address as the public address', () => {
    expect(loadConfig({ OTC_BIND_ADDRESS: '127.0.0.11', OTC_HTTPS_PORT: '8443' })).toMatchObject({
      publicAddress: '127.0.0.11',
      httpsPort: 8443,
    });
  });

  it.each([
    [{ OTC_HTTPS_PORT: '70000' }, /OTC_HTTPS_PORT/],
    [{ OTC_BIND_ADDRESS: 'localhost' }, /OTC_BIND_ADDRESS/],
    [{ OTC_DOMAIN: 'bad domain' }, /OTC_DOMAIN/],
    [{ OTC_SESSION_MAX_SECONDS: '5' }, /OTC_SESSION_MAX_SECONDS/],
    [{ OTC_SESSION_MAX_SECONDS: '1.5h' }, /OTC_SESSION_MAX_SECONDS/],
  ])('names the bad variable %j', (env, message) => expect(() => loadConfig(env)).toThrow(message));
});
