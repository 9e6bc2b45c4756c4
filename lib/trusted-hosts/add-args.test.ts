import { describe, expect, it } from 'vitest';
import { parseAddArgs } from './add-args.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';

describe('parseAddArgs', () => {
  it('takes -ip and -token, with the port in -ip, in -port or 443', () => {
    expect(parseAddArgs(['-ip', '10.0.0.2', '-token', TOKEN])).toEqual({
      ok: true,
      args: { host: '10.0.0.2', port: 443, token: TOKEN, confirmReplace: false },
    });
    expect(parseAddArgs(['-ip', '10.0.0.2:8443', '-token', TOKEN, '-confirm-replace'])).toMatchObject({
      args: { port: 8443, confirmReplace: true },
    });
    expect(parseAddArgs(['--ip', '10.0.0.2', '--port', '9443', '--token', TOKEN])).toMatchObject({ args: { port: 9443 } });
  });

  it('takes the connection string pasted whole', () => {
    expect(parseAddArgs(['-connection-string', `10.0.0.2:8443:${TOKEN}`])).toEqual({
      ok: true,
      args: { host: '10.0.0.2', port: 8443, token: TOKEN, confirmReplace: false },
    });
  });

  it('refuses what it cannot use, saying what is wrong', () => {
    expect(parseAddArgs([])).toMatchObject({ ok: false, message: /-ip and -token are required/ });
    expect(parseAddArgs(['-ip', 'host.example', '-token', TOKEN])).toMatchObject({ ok: false, message: /not an IPv4 address/ });
    expect(parseAddArgs(['-ip', '10.0.0.2:1', '-port', '2', '-token', TOKEN])).toMatchObject({ ok: false, message: /port once/ });
    expect(parseAddArgs(['-ip', '10.0.0.2', '-port', '70000', '-token', TOKEN])).toMatchObject({ ok: false, message: /not a port/ });
    expect(parseAddArgs(['-ip', '10.0.0.2', '-token'])).toMatchObject({ ok: false, message: /-token needs a value/ });
    expect(parseAddArgs(['-ip', '10.0.0.2', '-token', TOKEN, '-x'])).toMatchObject({ ok: false, message: /unknown argument "-x"/ });
    expect(parseAddArgs(['-connection-string', `10.0.0.2:${TOKEN}`, '-ip', '10.0.0.3'])).toMatchObject({ ok: false, message: /alone/ });
    expect(parseAddArgs(['-connection-string', '10.0.0.2:short'])).toMatchObject({ ok: false, message: /32 lowercase/ });
  });
});
