import type { Instrumentation } from 'next';
import { getLogger } from './logger.ts';

type Args = Parameters<Instrumentation.onRequestError>;

// One core-log record per failed request: the digest (what the error page shows the user), the request
// id (the x-request-id response header server.ts sets), the route and the error with its stack. Path
// only, like the request log: query strings may carry tokens.
export function logRequestError(error: Args[0], request: Args[1], context: Args[2]): void {
  const digest = typeof error === 'object' && error && 'digest' in error ? String((error as { digest: unknown }).digest) : undefined;
  const requestId = request.headers['x-request-id'];
  getLogger('core').error(
    {
      digest,
      requestId: Array.isArray(requestId) ? requestId[0] : requestId,
      method: request.method,
      path: request.path.split('?')[0],
      route: context.routePath,
      routeType: context.routeType,
      err: error,
    },
    'request failed',
  );
}
