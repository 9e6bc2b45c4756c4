import { z } from 'zod';
import { sharedThrottle } from '../auth/ip-throttle.ts';
import { getLogger } from '../logs/logger.ts';
import { getApplianceOrThrow } from './data.ts';
import { isWellFormedToken } from './connection-string.ts';
import { tokensEqual } from './token.ts';

const headerSchema = z.string().regex(/^Bearer \S+$/);

// Ten wrong tokens a minute per address is plenty for a person pasting a string and useless for guessing
// 36^32 values.
const throttle = () => sharedThrottle('connection-token', () => ({ maxFailures: 10, windowMs: 60_000 }));

function deny(status: number, code: string, message: string, headers?: HeadersInit): Response {
  return Response.json({ code, message }, { status, headers });
}

// Guard for the endpoints a connection-string token authorizes (pairing, sensor registration).
export async function requireConnectionToken(request: Request): Promise<true | Response> {
  const ip = request.headers.get('x-forwarded-for') ?? 'unknown';
  const now = Date.now();
  const wait = throttle().retryAfter(ip, now);
  if (wait > 0) {
    return deny(429, 'THROTTLED', `Too many wrong tokens from your address. Try again in ${Math.ceil(wait / 1000)} seconds.`, {
      'retry-after': String(Math.ceil(wait / 1000)),
    });
  }
  const header = headerSchema.safeParse(request.headers.get('authorization'));
  if (!header.success) return deny(401, 'TOKEN_REQUIRED', 'Send the connection-string token as "Authorization: Bearer <token>".');
  const presented = header.data.slice('Bearer '.length);
  const appliance = await getApplianceOrThrow();
  if (!isWellFormedToken(presented) || !tokensEqual(presented, appliance.connectionToken)) {
    throttle().recordFailure(ip, now);
    getLogger('web').warn({ ip }, 'wrong connection-string token');
    return deny(
      401,
      'WRONG_TOKEN',
      "The token does not match this console's connection string. Copy it again from System Settings → Sensor Setup; it may have been regenerated.",
    );
  }
  return true;
}
