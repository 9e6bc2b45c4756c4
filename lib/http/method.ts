import { failure, type HttpResponse } from './types.ts';

export function methodNotAllowed(): HttpResponse {
  return failure(405, 'METHOD_NOT_ALLOWED', 'These endpoints take POST requests only.', { allow: 'POST' });
}
