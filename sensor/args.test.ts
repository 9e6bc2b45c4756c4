import { describe, expect, it } from 'vitest';
import { parseAgentArgs, sensorNames } from './args.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';
const base = ['--connect', `10.0.0.5:${TOKEN}`, '--name', 'plant-a', '--data-dir', '/tmp/x'];

describe('ot-sensor arguments', () => {
  it('reads a minimal command line with the defaults the brief promises', () => {
    const parsed = parseAgentArgs(base);
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        target: { host: '10.0.0.5', port: 443, token: TOKEN },
        name: 'plant-a',
        count: 1,
        heartbeatMs: 1000,
        heartbeatFromConsole: true,
        eventsPerMinute: 6,
        statsMs: 0,
        keepAcked: false,
        registerOnly: false,
      },
    });
  });

  it('takes IP:port:token and every option', () => {
    const parsed = parseAgentArgs([
      '--connect',
      `127.0.0.9:8443:${TOKEN}`,
      '--name',
      'n',
      '--data-dir',
      'd',
      '--count',
      '5000',
      '--heartbeat-ms',
      '250',
      '--events-per-minute',
      '0.5',
      '--zone',
      'Turbine Hall',
      '--stats-ms',
      '1000',
      '--keep-acked',
      '--register-only',
    ]);
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        target: { host: '127.0.0.9', port: 8443 },
        count: 5000,
        heartbeatMs: 250,
        heartbeatFromConsole: false,
        eventsPerMinute: 0.5,
        zone: 'Turbine Hall',
        statsMs: 1000,
        keepAcked: true,
        registerOnly: true,
        maxSockets: 125,
      },
    });
  });

  it('refuses a malformed connection string with the reason', () => {
    expect(parseAgentArgs(['--connect', '10.0.0.5:short', '--name', 'n', '--data-dir', 'd'])).toEqual({
      ok: false,
      message: expect.stringMatching(/^--connect: The token must be exactly 32 lowercase letters and digits; this one has 5 characters/),
    });
    expect(parseAgentArgs(['--connect', `300.1.1.1:${TOKEN}`, '--name', 'n', '--data-dir', 'd'])).toEqual({
      ok: false,
      message: expect.stringMatching(/"300\.1\.1\.1" is not a valid IPv4 address/),
    });
    expect(parseAgentArgs(['--connect', `10.0.0.5:0:${TOKEN}`, '--name', 'n', '--data-dir', 'd'])).toEqual({
      ok: false,
      message: expect.stringMatching(/"0" is not a valid port/),
    });
  });

  it('names what is missing or out of range', () => {
    expect(parseAgentArgs(['--name', 'n', '--data-dir', 'd'])).toEqual({ ok: false, message: '--connect is required.' });
    expect(parseAgentArgs([...base, '--count', '0'])).toEqual({
      ok: false,
      message: '--count takes a whole number from 1 to 100000; got "0".',
    });
    expect(parseAgentArgs([...base, '--heartbeat-ms', 'soon'])).toEqual({
      ok: false,
      message: '--heartbeat-ms takes a whole number from 50 to 600000; got "soon".',
    });
    expect(parseAgentArgs([...base, '--bogus'])).toMatchObject({ ok: false, message: expect.stringMatching(/Unknown option '--bogus'/) });
  });

  it('checks the sensor names the console will see, including the numbered ones', () => {
    expect(parseAgentArgs(['--connect', `10.0.0.5:${TOKEN}`, '--name', 'bad name', '--data-dir', 'd'])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^--name: A sensor name holds letters.*digit\.$/),
    });
    const long = 'x'.repeat(60);
    expect(parseAgentArgs(['--connect', `10.0.0.5:${TOKEN}`, '--name', long, '--data-dir', 'd', '--count', '20'])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/at most 64 characters \(with --count the names run up to x+-0020\)\.$/),
    });
  });

  it("numbers a fleet's sensors with a fixed width", () => {
    expect(sensorNames('s', 1)).toEqual(['s']);
    expect(sensorNames('s', 3)).toEqual(['s-0001', 's-0002', 's-0003']);
    expect(sensorNames('s', 10_000).at(-1)).toBe('s-10000');
    expect(sensorNames('s', 10_000)[0]).toBe('s-00001');
  });
});
