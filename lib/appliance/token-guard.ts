import { sharedThrottle } from '../auth/ip-throttle.ts';
import { loadConfig } from '../config/env.ts';
import { failure, headerOf, type HttpRequest, type HttpResponse } from '../http/types.ts';
import { getLogger } from '../logs/logger.ts';
import { certificateFingerprint } from '../pki/fingerprint.ts';
import { isChallengeId, sharedChallenges, CHALLENGE_TTL_MS } from '../token-proof/challenges.ts';
import { clientProof, newNonce, proofsEqual, serverProof, type ProofPurpose } from '../token-proof/proof.ts';
import { getApplianceOrThrow } from './data.ts';
import { readTlsFiles } from './tls-files.ts';

// Ten wrong tokens or proofs a minute per address is plenty for a person pasting a string and useless
// for guessing 36^32 values. An honest client with a wrong token never sends a proof (it sees the
// console's proof fail first), so only a misbehaving client ends up here.
const throttle = () => sharedThrottle('connection-token', () => ({ maxFailures: 10, windowMs: 60_000, maxEntries: 10_000 }));

function throttled(ip: string, now: number): HttpResponse | null {
  const wait = throttle().retryAfter(ip, now);
  if (wait <= 0) return null;
  const seconds = String(Math.ceil(wait / 1000));
  return failure(429, 'THROTTLED', `Too many wrong tokens or proofs from your address. Try again in ${seconds} seconds.`, {
    'retry-after': seconds,
  });
}

// The certificate this console served on the request's connection; from the certificate file when the
// transport cannot tell (Next.js route handlers).
async function servedFingerprint(request: HttpRequest): Promise<string> {
  const served = request.servedCertificate?.();
  if (served) return served;
  return certificateFingerprint((await readTlsFiles(loadConfig().dataDir)).cert);
}

// ---- Token proofs (the token never travels) ------------------------------------------------------

// Step 1 of a token proof. The guard is the address's throttle: a caller that sent too many wrong
// proofs gets no more challenges until it may try again.
export async function issueTokenChallenge(
  request: HttpRequest,
  purpose: ProofPurpose,
  clientNonce: string,
  now = Date.now(),
): Promise<HttpResponse> {
  const refused = throttled(request.ip, now);
  if (refused) return refused;
  const fingerprint = await servedFingerprint(request);
  const { connectionToken } = await getApplianceOrThrow();
  const challenge = sharedChallenges().issue({ purpose, ip: request.ip, clientNonce, serverNonce: newNonce(), fingerprint }, now);
  return {
    status: 200,
    json: {
      challengeId: challenge.id,
      serverNonce: challenge.serverNonce,
      serverProof: serverProof(connectionToken, { purpose, clientNonce, serverNonce: challenge.serverNonce, fingerprint }),
      consoleFingerprint: fingerprint,
      expiresInMs: CHALLENGE_TTL_MS,
    },
  };
}

// The throttle alone, for a step-1 handler to refuse before it reads its body.
export function requireTokenAttemptsLeft(request: Pick<HttpRequest, 'ip'>, now = Date.now()): HttpResponse | null {
  return throttled(request.ip, now);
}

const PROOF_HEADER = /^Proof ([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]{43})$/;

// Guard for step 2: "Authorization: Proof <challengeId>:<clientProof>". Headers only, so it runs before
// the body is read. The challenge is used up whatever the outcome.
export async function requireConnectionTokenProof(
  request: HttpRequest,
  purpose: ProofPurpose,
  now = Date.now(),
): Promise<true | HttpResponse> {
  const refused = throttled(request.ip, now);
  if (refused) return refused;
  const header = PROOF_HEADER.exec(headerOf(request, 'authorization') ?? '');
  if (!header || !isChallengeId(header[1]!))
    return failure(
      401,
      'PROOF_REQUIRED',
      'Prove the connection-string token as "Authorization: Proof <challengeId>:<clientProof>" after asking for a challenge. The token itself is never sent.',
    );
  const challenge = sharedChallenges().take(header[1]!, now);
  if (!challenge || challenge.purpose !== purpose)
    return failure(
      401,
      'CHALLENGE_EXPIRED',
      `This challenge is unknown, already used or older than ${CHALLENGE_TTL_MS / 1000} s. Ask for a new challenge and prove the token again.`,
    );
  const served = await servedFingerprint(request);
  if (served !== challenge.fingerprint)
    return failure(
      401,
      'CERTIFICATE_CHANGED',
      "The console's certificate changed between the challenge and this request. Ask for a new challenge and prove the token again.",
    );
  const { connectionToken } = await getApplianceOrThrow();
  if (!proofsEqual(clientProof(connectionToken, challenge), header[2]!)) {
    throttle().recordFailure(request.ip, now);
    getLogger('web').warn({ ip: request.ip, purpose }, 'wrong connection-token proof');
    return failure(
      401,
      'WRONG_PROOF',
      "The proof does not match this console's token and certificate. Either the token is wrong (copy the connection string again from System Settings → Sensor Setup; it may have been regenerated) or something between you and the console intercepts TLS.",
    );
  }
  return true;
}
