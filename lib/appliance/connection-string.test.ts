import { describe, expect, it } from 'vitest';
import { formatConnectionString, parseConnectionString } from './connection-string.ts';
import { generateConnectionToken, tokensEqual } from './token.ts';

const TOKEN = 'abcdefghij0123456789klmnopqrstuv';

describe('connection string', () => {
  it('omits the port when it is 443 and round-trips both forms', () => {
    expect(formatConnectionString('10.0.0.5', 443, TOKEN)).toBe(`10.0.0.5:${TOKEN}`);
    expect(formatConnectionString('10.0.0.5', 8443, TOKEN)).toBe(`10.0.0.5:8443:${TOKEN}`);
    expect(parseConnectionString(` 10.0.0.5:${TOKEN} `)).toEqual({ ok: true, value: { ip: '10.0.0.5', port: 443, token: TOKEN } });
    expect(parseConnectionString(`10.0.0.5:8443:${TOKEN}`)).toEqual({ ok: true, value: { ip: '10.0.0.5', port: 8443, token: TOKEN } });
  });

  it.each([
    ['', /Enter the connection string/],
    [TOKEN, /looks like 10\.1\.2\.3/],
    [`10.0.0.5:1:2:${TOKEN}`, /looks like/],
    [`10.0.0.300:${TOKEN}`, /"10\.0\.0\.300" is not a valid IPv4 address/],
    [`console.local:${TOKEN}`, /not a valid IPv4/],
    [`10.0.0.5:0:${TOKEN}`, /"0" is not a valid port/],
    [`10.0.0.5:70000:${TOKEN}`, /"70000" is not a valid port/],
    [`10.0.0.5:84a3:${TOKEN}`, /not a valid port/],
    ['10.0.0.5:tooshort', /exactly 32 .* this one has 8 characters/],
    [`10.0.0.5:${TOKEN.toUpperCase()}`, /and others than those/],
  ])('refuses %j with a specific message', (input, message) => {
    const result = parseConnectionString(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('connection token', () => {
  it('is 32 lowercase alphanumerics and different every time', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateConnectionToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[a-z0-9]{32}$/);
  });

  it('compares exactly, including length', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(TOKEN.slice(0, 31), TOKEN)).toBe(false);
    expect(tokensEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensEqual(TOKEN.replace('a', 'b'), TOKEN)).toBe(false);
  });
});
