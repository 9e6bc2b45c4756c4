import type { z } from 'zod';
import { failure, type HttpRequest, type HttpResponse } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

// PostgreSQL stores neither NUL in text nor unpaired UTF-16 surrogates in jsonb: such a string would
// fail at INSERT time, so it is refused up front as bad input.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorableText(value: unknown, depth = 0): string | null {
  if (typeof value === 'string')
    return value.includes('\u0000') || LONE_SURROGATE.test(value) ? 'Text must not contain NUL characters or unpaired surrogates.' : null;
  if (depth > 64 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const problem = unstorableText(k, depth + 1) ?? unstorableText(v, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

export type BodyLimit = { maxBytes: number; tooLargeMessage: string };

// Size, encoding, JSON syntax, then the zod schema, each refused with its own message.
export async function parseJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  limit: BodyLimit,
): Promise<{ ok: true; data: z.infer<S> } | { ok: false; response: HttpResponse }> {
  const body = await request.body();
  if (body.length > limit.maxBytes) return { ok: false, response: failure(413, 'BODY_TOO_LARGE', limit.tooLargeMessage) };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    return { ok: false, response: failure(400, 'INVALID_JSON', 'The request body is not valid UTF-8 JSON.') };
  }
  const problem = unstorableText(value);
  if (problem) return { ok: false, response: failure(400, 'INVALID_TEXT', problem) };
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, response: failure(400, 'INVALID_INPUT', describeIssue(parsed.error.issues[0]!)) };
  return { ok: true, data: parsed.data };
}
