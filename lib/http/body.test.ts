import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './body.ts';

const MAX = 1024;
const LIMIT = { maxBytes: MAX, tooLargeMessage: `The request body is larger than ${MAX} bytes.` };
const request = (body: Buffer | string) => ({
  method: 'POST',
  headers: {},
  ip: '192.0.2.1',
  body: async () => (Buffer.isBuffer(body) ? body : Buffer.from(body)),
});
const schema = z
  .object({
    protocol: z.literal(1),
    version: z.string().regex(/^[0-9.]+$/),
    counters: z.object({ outbox: z.number().int().nonnegative() }).strict(),
  })
  .strict();
const beat = { protocol: 1, version: '1.0.0', counters: { outbox: 0 } };

describe('parseJsonBody', () => {
  it('accepts a valid body', async () => {
    expect(await parseJsonBody(request(JSON.stringify(beat)), schema, LIMIT)).toEqual({ ok: true, data: beat });
  });

  it('refuses, in order: oversize (413), bad UTF-8 or JSON, unstorable text, then schema issues naming the field', async () => {
    const refusal = async (body: Buffer | string) => {
      const r = await parseJsonBody(request(body), schema, LIMIT);
      return r.ok ? null : { status: r.response.status, ...(r.response.json as { code: string; message: string }) };
    };
    expect(await refusal(Buffer.alloc(MAX + 1, 0x20))).toEqual({
      status: 413,
      code: 'BODY_TOO_LARGE',
      message: `The request body is larger than ${MAX} bytes.`,
    });
    expect(await refusal(Buffer.from([0xc3, 0x28]))).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(await refusal('')).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(await refusal('{"a":')).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(await refusal(JSON.stringify({ ...beat, version: 'a\u0000' }))).toMatchObject({ status: 400, code: 'INVALID_TEXT' });
    expect(await refusal('{"\\ud800":1}')).toMatchObject({ status: 400, code: 'INVALID_TEXT' });
    expect(await refusal(JSON.stringify({ ...beat, counters: { outbox: -1 } }))).toMatchObject({
      status: 400,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^counters\.outbox: /),
    });
    expect(await refusal('[]')).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(await refusal('null')).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    // A well-paired surrogate (an emoji) is fine text; the schema then judges it.
    expect(await refusal(JSON.stringify({ ...beat, version: '😀' }))).toMatchObject({
      status: 400,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^version: /),
    });
  });

  it('deep nesting is just invalid input, not a crash', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = await parseJsonBody(request(deep), schema, { ...LIMIT, maxBytes: deep.length });
    expect(r.ok ? null : r.response.status).toBe(400);
  });
});
