import { issueTokenChallenge, requireTokenAttemptsLeft } from '../../appliance/token-guard.ts';
import { methodNotAllowed } from '../../http/method.ts';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { registerChallengeRequest } from '../protocol.ts';
import { parseSensorBody } from './body.ts';

// POST /api/v1/sensors/register/challenge — step 1 of registration: the console proves it knows the
// connection-string token, bound to the certificate it served on this connection. Its guard is the
// per-address token throttle.
export async function handleRegisterChallenge(request: HttpRequest): Promise<HttpResponse> {
  const throttled = requireTokenAttemptsLeft(request);
  if (throttled) return throttled;
  if (request.method !== 'POST') return methodNotAllowed();
  const body = await parseSensorBody(request, registerChallengeRequest);
  if (!body.ok) return body.response;
  return issueTokenChallenge(request, 'sensor-registration', body.data.clientNonce);
}
