import type { Actor } from '../audit/actor.ts';
import { isWellFormedToken } from '../appliance/connection-string.ts';
import { getLogger } from '../logs/logger.ts';
import { PEER_PROTOCOL_VERSION, pairOfferResponse, peerIdentity } from '../peer/protocol.ts';
import { loadPeerIdentity } from './identity.ts';
import { addTrustedHost } from './mutations.ts';
import { checkPairingPrerequisites, type PrerequisiteFailure } from './prerequisites.ts';
import { provenStep } from './pair-client.ts';

export type PairInput = { host: string; port: number; token: string; confirmReplace: boolean; actor: Actor };

export type PairResult =
  | { ok: true; domain: string; address: string; fingerprint: string }
  | { ok: false; code: string; message: string; failures?: PrerequisiteFailure[] };

// This console (the primary) pairs with the console at host:port (the secondary), whose connection-string
// token the admin pasted (docs/peer-protocol.md, "Pairing"). Nothing is written on either side unless
// every prerequisite holds; the secondary records first, so a refusal there leaves the primary unchanged.
export async function pairWithSecondary(input: PairInput): Promise<PairResult> {
  if (!isWellFormedToken(input.token))
    return {
      ok: false,
      code: 'INVALID_TOKEN',
      message:
        "The token is not a connection-string token (32 lowercase letters and digits). Copy it from the secondary's System Settings → Sensor Setup.",
    };
  const target = { host: input.host, port: input.port, token: input.token };
  const address = `${input.host}:${input.port}`;

  // a) the secondary's identity; proof-authorized, changes nothing there.
  const identity = await provenStep({
    ...target,
    path: '/api/v1/peer/identity',
    step: 'identity request',
    body: { protocol: PEER_PROTOCOL_VERSION },
    response: peerIdentity,
  });
  if (!identity.ok) return identity;
  const secondary = identity.value;
  if (secondary.fingerprint !== identity.fingerprint)
    return {
      ok: false,
      code: 'IDENTITY_MISMATCH',
      message: `${address} presents certificate ${identity.fingerprint} on its connection but names ${secondary.fingerprint} in its identity. Nothing was written.`,
    };

  // b) every prerequisite, with this console's identity and one clock sample.
  const primary = await loadPeerIdentity();
  const checked = checkPairingPrerequisites({
    primary,
    secondary,
    clock: { sentAt: identity.sentAt, peerClock: secondary.clock, receivedAt: identity.receivedAt },
    now: Date.now(),
    replacementConfirmed: input.confirmReplace,
  });
  if (!checked.ok) return { ok: false, code: checked.code, message: checked.message, failures: checked.failures };

  // c) the offer: the secondary re-checks its side and records this console as its PENDING primary.
  const offered = await provenStep({
    ...target,
    path: '/api/v1/peer/pair/offer',
    step: 'pairing offer',
    body: { protocol: PEER_PROTOCOL_VERSION, primary: { ...primary, clock: Date.now() }, secondaryFingerprint: identity.fingerprint },
    response: pairOfferResponse,
    expected: identity.fingerprint,
  });
  if (!offered.ok) return offered;

  // d) only now this side.
  const added = await addTrustedHost(
    {
      applianceId: secondary.applianceId,
      domain: secondary.domain,
      address: input.host,
      port: input.port,
      peerPort: secondary.peerPort,
      certificatePem: secondary.certificatePem,
      fingerprint: secondary.fingerprint,
      role: 'SECONDARY',
    },
    input.actor,
  );
  if (!added.ok)
    return {
      ok: false,
      code: added.code,
      message: `${added.message} ${secondary.domain} already recorded this console: run cyberx-management-trusted-hosts-remove -d ${primary.domain} on it.`,
    };
  getLogger('ha').info({ domain: secondary.domain, address, fingerprint: secondary.fingerprint }, 'secondary recorded as trusted host');
  return { ok: true, domain: secondary.domain, address, fingerprint: secondary.fingerprint };
}
