import { failure, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { handoverRequest, haStatusRequest } from '../../peer/failover-protocol.ts';
import { getReplicationOrigin } from '../../replication/data.ts';
import { parsePeerMessage, requireTrustedSender } from '../../replication/http/handlers.ts';
import { failoverPeerEndpoint } from '../runtime.ts';

// Failover messages on the peer listener (docs/peer-protocol.md, "Failover"). The listener has required
// the pinned client certificate; each handler parses the message and checks the sender it names.

const notPaired = () => failure(409, 'NOT_PAIRED', 'This console has no applied pair, so it takes no failover messages.');

export async function handleHaStatus(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, haStatusRequest);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const answer = failoverPeerEndpoint()?.status(body.data);
  return answer ? { status: 200, json: answer } : notPaired();
}

export async function handleHandover(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, handoverRequest);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const endpoint = failoverPeerEndpoint();
  if (!endpoint) return notPaired();
  const origin = await getReplicationOrigin(body.data.from);
  const result = await endpoint.handover(body.data, origin && !origin.snapshotId ? origin.appliedSeq : null);
  return result.ok ? { status: 200, json: { accepted: true, term: result.term } } : failure(409, 'HANDOVER_REFUSED', result.message);
}

// The peer listener's failover endpoints, added to the replication router by server.ts.
export const failoverPeerRoutes = { ha: handleHaStatus, handover: handleHandover };
