import { createRouter, type HttpRouter } from '../../http/router.ts';
import type { HttpHandler } from '../../http/types.ts';
import { failure } from '../../http/types.ts';
import { MAX_PEER_BODY_BYTES } from '../../peer/replication-protocol.ts';
import { handleApply, handleCertificate, handleDigest, handleHello, handleJournal, handleSnapshot } from './handlers.ts';

export const PEER_API_PREFIX = '/api/v1/peer/';

// The peer listener serves only these, and the failover messages server.ts adds (lib/failover imports
// lib/replication, so they come in from outside); pairing (which a console not yet trusted must reach)
// is on the web port, authorized by the connection-string token instead.
export const peerRouter = (extra: Record<string, HttpHandler> = {}): HttpRouter =>
  createRouter({
    prefix: PEER_API_PREFIX,
    maxBodyBytes: MAX_PEER_BODY_BYTES,
    logCategory: 'ha',
    routes: {
      hello: handleHello,
      apply: handleApply,
      journal: handleJournal,
      snapshot: handleSnapshot,
      certificate: handleCertificate,
      digest: handleDigest,
      ...extra,
    },
    notFound: (pathname) => failure(404, 'NOT_FOUND', `There is no peer endpoint ${pathname.slice(0, 100)}.`),
  });
