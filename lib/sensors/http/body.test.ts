import { describe, expect, it } from 'vitest';
import { heartbeatRequest, MAX_BODY_BYTES } from '../protocol.ts';
import { parseBody } from './body.ts';

const request = (body: Buffer | string) => ({
  method: 'POST',
  headers: {},
  ip: '192.0.2.1',
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});
const beat = { protocol: 1, version: '1.0.0', clock: 1, highestTerm: 0, counters: { packets: 0, alerts: 0, devices: 0, outbox: 0 } };

describe('parseBody', () => {
  it('accepts a valid body', () => {
    expect(parseBody(request(JSON.stringify(beat)), heartbeatRequest)).toEqual({ ok: true, data: beat });
  });

  it('refuses, in order: oversize (413), bad UTF-8 or JSON, unstorable text, then schema issues naming the field', () => {
    const refusal = (body: Buffer | string) => {
      const r = parseBody(request(body), heartbeatRequest);
      return r.ok ? null : { status: r.response.status, ...(r.response.json as { code: string; message: string }) };
    };
    expect(refusal(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20))).toEqual({
      status: 413,
      code: 'BODY_TOO_LARGE',
      message: `The request body is larger than ${MAX_BODY_BYTES} bytes. Send fewer events per batch.`,
    });
    expect(refusal(Buffer.from([0xc3, 0x28]))).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(refusal('')).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(refusal('{"a":')).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(refusal(JSON.stringify({ ...beat, version: 'a\u0000' }))).toMatchObject({ status: 400, code: 'INVALID_TEXT' });
    expect(refusal('{"\\ud800":1}')).toMatchObject({ status: 400, code: 'INVALID_TEXT' });
    expect(refusal(JSON.stringify({ ...beat, counters: { ...beat.counters, outbox: -1 } }))).toMatchObject({
      status: 400,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^counters\.outbox: /),
    });
    expect(refusal('[]')).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(refusal('null')).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    // A well-paired surrogate (an emoji) is fine text; the schema then judges it.
    expect(refusal(JSON.stringify({ ...beat, version: '😀' }))).toMatchObject({
      status: 400,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^version: /),
    });
    // Deep nesting is just invalid input, not a crash.
    expect(refusal(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
  });
});
