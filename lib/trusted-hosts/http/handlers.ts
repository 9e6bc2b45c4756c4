import { issueTokenChallenge, requireConnectionTokenProof, requireTokenAttemptsLeft } from '../../appliance/token-guard.ts';
import { parseJsonBody } from '../../http/body.ts';
import { methodNotAllowed } from '../../http/method.ts';
import { failure, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { getLogger } from '../../logs/logger.ts';
import { identityRequest, MAX_PAIRING_BODY_BYTES, pairChallengeRequest, pairOffer } from '../../peer/protocol.ts';
import type { z } from 'zod';
import { acceptOffer } from '../accept-offer.ts';
import { loadPeerIdentity } from '../identity.ts';

const LIMIT = { maxBytes: MAX_PAIRING_BODY_BYTES, tooLargeMessage: `A pairing request is at most ${MAX_PAIRING_BODY_BYTES} bytes.` };
const parse = <S extends z.ZodType>(request: HttpRequest, schema: S) => parseJsonBody(request, schema, LIMIT);

// POST /api/v1/peer/pair/challenge — step 1 of every pairing step: this console proves it knows its
// connection-string token over the certificate it served. Its guard is the per-address token throttle.
export async function handlePairChallenge(request: HttpRequest): Promise<HttpResponse> {
  const throttled = requireTokenAttemptsLeft(request);
  if (throttled) return throttled;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parse(request, pairChallengeRequest);
  if (!body.ok) return body.response;
  return issueTokenChallenge(request, 'console-pairing', body.data.clientNonce);
}

// POST /api/v1/peer/identity — pairing step a: this console's identity for a console that proved the
// token. Changes nothing.
export async function handlePeerIdentity(request: HttpRequest): Promise<HttpResponse> {
  const allowed = await requireConnectionTokenProof(request, 'console-pairing');
  if (allowed !== true) return allowed;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parse(request, identityRequest);
  if (!body.ok) return body.response;
  return { status: 200, json: await loadPeerIdentity() };
}

// POST /api/v1/peer/pair/offer — pairing step c: a primary that proved the token offers itself; this
// console records it as a PENDING trusted host once its own checks pass.
export async function handlePairOffer(request: HttpRequest): Promise<HttpResponse> {
  const allowed = await requireConnectionTokenProof(request, 'console-pairing');
  if (allowed !== true) return allowed;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parse(request, pairOffer);
  if (!body.ok) return body.response;
  const accepted = await acceptOffer(body.data, request.ip);
  if (!accepted.ok) {
    getLogger('ha').warn({ ip: request.ip, code: accepted.code }, 'pairing offer refused');
    return failure(409, accepted.code, accepted.message);
  }
  return { status: 200, json: accepted.response };
}
