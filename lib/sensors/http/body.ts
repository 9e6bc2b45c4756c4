import type { z } from 'zod';
import { parseJsonBody } from '../../http/body.ts';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { MAX_BODY_BYTES } from '../protocol.ts';

const LIMIT = {
  maxBytes: MAX_BODY_BYTES,
  tooLargeMessage: `The request body is larger than ${MAX_BODY_BYTES} bytes. Send fewer events per batch.`,
};

export function parseSensorBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
): Promise<{ ok: true; data: z.infer<S> } | { ok: false; response: HttpResponse }> {
  return parseJsonBody(request, schema, LIMIT);
}
