import { createRouter } from '../../http/router.ts';
import { failure, type HttpHandler } from '../../http/types.ts';
import { serveWebRequest } from '../../http/web.ts';
import { MAX_PAIRING_BODY_BYTES } from '../../peer/protocol.ts';

const pairingRouter = createRouter({
  prefix: '/api/v1/peer/',
  maxBodyBytes: MAX_PAIRING_BODY_BYTES,
  logCategory: 'ha',
  routes: {},
  notFound: (pathname) => failure(404, 'NOT_FOUND', `There is no peer endpoint ${pathname.slice(0, 100)}.`),
});

// Adapter for the Next.js route handlers in app/api/v1/peer/{identity,pair/*}.
export function servePairingWebRequest(request: Request, handler: HttpHandler): Promise<Response> {
  return serveWebRequest(request, pairingRouter, handler);
}
