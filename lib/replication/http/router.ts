import { createRouter } from '../../http/router.ts';
import { failure } from '../../http/types.ts';
import { MAX_PEER_BODY_BYTES } from '../../peer/replication-protocol.ts';
import { handleApply, handleCertificate, handleDigest, handleHello, handleJournal, handleSnapshot } from './handlers.ts';

export const PEER_API_PREFIX = '/api/v1/peer/';

// The peer listener serves only these; pairing (which a console not yet trusted must reach) is on the
// web port, authorized by the connection-string token instead.
export const replicationRouter = createRouter({
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
  },
  notFound: (pathname) => failure(404, 'NOT_FOUND', `There is no peer endpoint ${pathname.slice(0, 100)}.`),
});
