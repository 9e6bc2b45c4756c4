import { describe, expect, it } from 'vitest';
import { pairInputSchema, trustedHostDomainSchema } from './schema.ts';

const TOKEN = 'abcdefghij0123456789klmnopqrstuv';

const issue = (input: unknown) => {
  const parsed = pairInputSchema.safeParse(input);
  return parsed.success ? null : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('the pair form input', () => {
  it('reads both connection-string forms as the command does, port 443 when none is given', () => {
    expect(pairInputSchema.parse({ connectionString: ` 10.0.0.2:${TOKEN} `, confirmReplace: false })).toEqual({
      connectionString: { ip: '10.0.0.2', port: 443, token: TOKEN },
      confirmReplace: false,
    });
    expect(pairInputSchema.parse({ connectionString: `10.0.0.2:8443:${TOKEN}`, confirmReplace: true }).connectionString).toEqual({
      ip: '10.0.0.2',
      port: 8443,
      token: TOKEN,
    });
  });

  it("refuses a malformed string at the field, with the parser's own reason", () => {
    expect(issue({ connectionString: '', confirmReplace: true })).toEqual([
      { path: 'connectionString', message: expect.stringMatching(/^Enter the connection string shown on the other console/) },
    ]);
    expect(issue({ connectionString: `10.0.0.300:${TOKEN}`, confirmReplace: true })).toEqual([
      { path: 'connectionString', message: expect.stringMatching(/^"10\.0\.0\.300" is not a valid IPv4 address/) },
    ]);
    expect(issue({ connectionString: `10.0.0.2:70000:${TOKEN}`, confirmReplace: true })).toEqual([
      { path: 'connectionString', message: '"70000" is not a valid port (1–65535).' },
    ]);
    expect(issue({ connectionString: 'x'.repeat(201), confirmReplace: true })).toEqual([
      { path: 'connectionString', message: expect.stringMatching(/too long/) },
    ]);
  });

  it('needs the confirmation as a yes or no, and nothing else in the input', () => {
    expect(issue({ connectionString: `10.0.0.2:${TOKEN}`, confirmReplace: 'on' })).toEqual([
      { path: 'confirmReplace', message: "Say whether the secondary's data may be replaced." },
    ]);
    expect(issue({ connectionString: `10.0.0.2:${TOKEN}`, confirmReplace: true, token: TOKEN })).not.toBeNull();
  });
});

describe('the trusted host named for removal', () => {
  it('is a non-empty domain', () => {
    expect(trustedHostDomainSchema.parse({ domain: ' b.plant.example ' })).toEqual({ domain: 'b.plant.example' });
    expect(trustedHostDomainSchema.safeParse({ domain: '  ' }).success).toBe(false);
    expect(trustedHostDomainSchema.safeParse({}).success).toBe(false);
  });
});
