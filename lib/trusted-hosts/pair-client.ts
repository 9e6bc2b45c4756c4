import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { z } from 'zod';
import { PEER_PROTOCOL_VERSION, pairChallengeResponse } from '../peer/protocol.ts';
import { checkConsoleProof, newNonce } from '../token-proof/proof.ts';

// The primary's side of one proof-authorized pairing step (docs/peer-protocol.md, "Pairing"):
//   1. POST /api/v1/peer/pair/challenge on a fresh TLS connection; the secondary's proof must verify
//      over the certificate THIS connection presented, or nothing more is sent;
//   2. the step itself with this console's proof, on a new connection that must present the same
//      certificate before a byte of the request (headers included) is written.
// The token is a MAC key only: it never leaves this process.

export type Reply = { status: number; json: unknown; fingerprint: string };
export type StepFailure = { ok: false; code: string; message: string };

const TIMEOUT_MS = 15_000;
const MAX_REPLY_BYTES = 1024 * 1024;

function post(
  target: { host: string; port: number },
  path: string,
  body: unknown,
  options: { pinned?: string; authorization?: string },
): Promise<Reply | StepFailure> {
  const address = `${target.host}:${target.port}`;
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: Reply | StepFailure) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const request = https.request({
      host: target.host,
      port: target.port,
      path,
      method: 'POST',
      // A connection of its own, no TLS session reuse: every connection shows its certificate.
      agent: false,
      rejectUnauthorized: false,
      timeout: TIMEOUT_MS,
      headers: {
        'content-type': 'application/json',
        'content-length': String(payload.length),
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
    });
    let fingerprint = '';
    request.once('socket', (socket) => {
      (socket as TLSSocket).once('secureConnect', () => {
        fingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '';
        if (options.pinned && fingerprint !== options.pinned) {
          done({
            ok: false,
            code: 'CERTIFICATE_CHANGED',
            message: `${address} now presents certificate ${fingerprint || 'none'}, not ${options.pinned} it proved the token over. Nothing was sent; pair again.`,
          });
          request.destroy();
          return;
        }
        // Only now: headers and body go out with the first write.
        request.end(payload);
      });
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.once('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, code: 'UNREACHABLE', message: `Cannot reach the console at ${address}: ${error.code ?? error.message}.` }),
    );
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) response.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      response.once('error', (error) => done({ ok: false, code: 'UNREACHABLE', message: `${address}: ${error.message}` }));
      response.once('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // not JSON: reported below as a refusal without a message
        }
        done({ status: response.statusCode ?? 0, json, fingerprint });
      });
    });
  });
}

function refusal(reply: Reply, address: string, step: string): StepFailure {
  const body = (reply.json ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof body.code === 'string' ? body.code : `HTTP_${reply.status}`;
  const message = typeof body.message === 'string' ? body.message : `HTTP ${reply.status}`;
  return { ok: false, code, message: `${address} refused the ${step}: ${message}` };
}

// One proof-authorized step. `expected` pins the certificate of an earlier step: all steps of one
// pairing talk to the same console.
export async function provenStep<S extends z.ZodType>(input: {
  host: string;
  port: number;
  token: string;
  path: string;
  step: string;
  body: unknown;
  response: S;
  expected?: string;
}): Promise<{ ok: true; value: z.infer<S>; fingerprint: string; sentAt: number; receivedAt: number } | StepFailure> {
  const address = `${input.host}:${input.port}`;
  const clientNonce = newNonce();
  const first = await post(
    input,
    '/api/v1/peer/pair/challenge',
    { protocol: PEER_PROTOCOL_VERSION, clientNonce },
    { pinned: input.expected },
  );
  if ('ok' in first) return first;
  if (first.status !== 200) return refusal(first, address, 'pairing challenge');
  const challenge = pairChallengeResponse.safeParse(first.json);
  if (!challenge.success)
    return {
      ok: false,
      code: 'NOT_A_CONSOLE',
      message: `${address} did not answer the pairing challenge as a console of protocol v1 would.`,
    };
  const check = checkConsoleProof({
    token: input.token,
    purpose: 'console-pairing',
    clientNonce,
    serverNonce: challenge.data.serverNonce,
    serverProof: challenge.data.serverProof,
    claimedFingerprint: challenge.data.consoleFingerprint,
    seenFingerprint: first.fingerprint || null,
    address,
  });
  if (!check.ok) return check;
  const sentAt = Date.now();
  const second = await post(input, input.path, input.body, {
    pinned: first.fingerprint,
    authorization: `Proof ${challenge.data.challengeId}:${check.clientProof}`,
  });
  const receivedAt = Date.now();
  if ('ok' in second) return second;
  if (second.status !== 200) return refusal(second, address, input.step);
  const parsed = input.response.safeParse(second.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      code: 'INVALID_PEER_ANSWER',
      message: `${address} answered the ${input.step} with something a console of protocol v${PEER_PROTOCOL_VERSION} does not send (${issue ? `${issue.path.join('.') || 'answer'}: ${issue.message}` : 'unreadable'}). Nothing was written.`,
    };
  }
  return { ok: true, value: parsed.data, fingerprint: first.fingerprint, sentAt, receivedAt };
}
