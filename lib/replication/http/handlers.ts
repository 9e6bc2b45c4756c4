import { parseJsonBody } from '../../http/body.ts';
import { methodNotAllowed } from '../../http/method.ts';
import { failure, headerOf, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { getLogger } from '../../logs/logger.ts';
import { X509Certificate } from 'node:crypto';
import {
  applyRequest,
  certificateAnnouncement,
  digestRequest,
  helloRequest,
  journalBatch,
  MAX_PEER_BODY_BYTES,
  snapshotPart,
  type DigestResponse,
} from '../../peer/replication-protocol.ts';
import { forgetSensorAuth } from '../../sensors/credential-cache.ts';
import type { z } from 'zod';
import { getApplianceForPeer, getReplicationOrigin, getTrustedPeer, withDigestSnapshot } from '../data.ts';
import { isSettled } from '../digest.ts';
import { applyJournalBatch, applySnapshotPart, becomeSecondary, pinPeerCertificate, type Refusal } from '../mutations.ts';

// Handlers of the peer listener (docs/peer-protocol.md, "Replication"). The listener has already
// required the pinned client certificate (lib/peer/guard.ts); each handler then parses its message and
// checks that the sender it names is the console that certificate belongs to.

export const PEER_FINGERPRINT_HEADER = 'x-otc-peer-fingerprint';

const LIMIT = { maxBytes: MAX_PEER_BODY_BYTES, tooLargeMessage: `A peer message is at most ${MAX_PEER_BODY_BYTES} bytes.` };

export async function parsePeerMessage<S extends z.ZodType>(request: HttpRequest, schema: S) {
  if (request.method !== 'POST') return { ok: false as const, response: methodNotAllowed() };
  return parseJsonBody(request, schema, LIMIT);
}

// The sender must be the trusted host, by appliance id AND by the certificate its connection presented.
export async function requireTrustedSender(request: HttpRequest, from: string): Promise<HttpResponse | null> {
  const host = await getTrustedPeer();
  const presented = headerOf(request, PEER_FINGERPRINT_HEADER);
  if (!host || host.applianceId !== from || host.fingerprint !== presented) {
    getLogger('ha').warn({ ip: request.ip, from, presented }, 'peer message from an untrusted sender refused');
    return failure(403, 'UNTRUSTED_SENDER', `Appliance ${from} is not this console's trusted host, or spoke with another certificate.`);
  }
  return null;
}

const refused = (r: Refusal): HttpResponse => ({ status: r.status, json: { code: r.code, message: r.message, appliedSeq: r.appliedSeq } });

export async function handleHello(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, helloRequest);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const [self, origin] = await Promise.all([getApplianceForPeer(), getReplicationOrigin(body.data.from)]);
  return {
    status: 200,
    json: {
      applianceId: self.applianceId,
      term: self.term.toString(),
      configuredRole: self.configuredRole,
      state: self.state,
      appliedSeq: origin && !origin.snapshotId ? origin.appliedSeq.toString() : null,
      snapshotIncomplete: Boolean(origin?.snapshotId),
    },
  };
}

export async function handleApply(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, applyRequest);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const result = await becomeSecondary({ applianceId: body.data.from, term: BigInt(body.data.term) });
  if (!result.ok) return refused(result);
  getLogger('ha').info({ primary: body.data.from, term: result.term.toString() }, 'pair applied: this console is the secondary');
  return { status: 200, json: { applied: true, term: result.term.toString(), journalSeq: result.journalSeq.toString() } };
}

export async function handleJournal(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, journalBatch);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const result = await applyJournalBatch(body.data);
  if (!result.ok) {
    getLogger('ha').warn({ code: result.code, after: body.data.after, upTo: body.data.upTo }, 'journal batch refused');
    return refused(result);
  }
  // Credentials and acknowledged positions the sensor guard keeps in memory follow the replicated rows.
  for (const id of result.sensorsTouched) forgetSensorAuth(id);
  return { status: 200, json: { appliedSeq: result.appliedSeq.toString() } };
}

export async function handleSnapshot(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, snapshotPart);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const result = await applySnapshotPart(body.data);
  if (!result.ok) {
    getLogger('ha').warn({ code: result.code, part: body.data.part }, 'snapshot part refused');
    return refused(result);
  }
  if (body.data.part === 'begin') getLogger('ha').info({ from: body.data.from, rows: body.data.totalRows }, 'receiving snapshot');
  if (body.data.part === 'end') getLogger('ha').info({ from: body.data.from, position: body.data.position }, 'snapshot received');
  for (const id of result.sensorsTouched) forgetSensorAuth(id);
  return { status: 200, json: { received: result.received } };
}

// The peer is about to serve a new certificate: pin it now (the reconcile loop gives the listener and the
// pump the new pin within a second), so connections with the new one are accepted from the start.
export async function handleCertificate(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, certificateAnnouncement);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  let fingerprint: string;
  try {
    fingerprint = new X509Certificate(body.data.certificatePem).fingerprint256;
  } catch {
    return failure(400, 'INVALID_CERTIFICATE', 'certificatePem is not a PEM X.509 certificate.');
  }
  if (fingerprint !== body.data.fingerprint)
    return failure(400, 'INVALID_CERTIFICATE', `The fingerprint is not that of certificatePem (${fingerprint}).`);
  await pinPeerCertificate(body.data.from, body.data.certificatePem, fingerprint);
  getLogger('ha').info({ from: body.data.from, fingerprint }, 'peer certificate replaced by announcement');
  return { status: 200, json: { pinned: true, fingerprint } };
}

// Drift check: read only, so no term is adopted or refused. Digests are computed only when both
// consoles stand at the same position (lib/replication/digest.ts, isSettled); otherwise the answer is
// the positions alone, and the asking console tries again.
export async function handleDigest(request: HttpRequest): Promise<HttpResponse> {
  const body = await parsePeerMessage(request, digestRequest);
  if (!body.ok) return body.response;
  const untrusted = await requireTrustedSender(request, body.data.from);
  if (untrusted) return untrusted;
  const asker = { head: BigInt(body.data.head), appliedSeq: body.data.appliedSeq === null ? null : BigInt(body.data.appliedSeq) };
  const self = await getApplianceForPeer();
  const answer = await withDigestSnapshot(body.data.from, async ({ positions, auditSharedAfter, digests }): Promise<DigestResponse> => {
    const settled = isSettled(positions, asker);
    return {
      applianceId: self.applianceId,
      head: positions.head.toString(),
      appliedSeq: positions.appliedSeq?.toString() ?? null,
      settled,
      auditSharedAfter: auditSharedAfter.toString(),
      digests: settled ? await digests(BigInt(body.data.auditSharedAfter)) : null,
    };
  });
  return { status: 200, json: answer };
}
