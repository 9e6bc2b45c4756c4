import { getLogger } from '../logs/logger.ts';
import type { PairOffer } from '../peer/protocol.ts';
import { splitHostPort } from './address.ts';
import { loadPeerIdentity } from './identity.ts';
import { addTrustedHost } from './mutations.ts';

export type OfferResult =
  | { ok: true; response: { accepted: true; domain: string; fingerprint: string } }
  | { ok: false; code: 'OFFER_NOT_FOR_THIS_CONSOLE' | 'PAIRING_WITH_ITSELF' | 'ALREADY_PAIRED' | 'INVALID_ADDRESS'; message: string };

// The secondary's side of pairing step c. The primary checked every prerequisite; this console checks
// again what only it can be sure of — the offer is for it, it is not offering to itself, and it is not
// already part of a pair — because the primary's view of it may be stale or forged.
export async function acceptOffer(offer: PairOffer, ip: string): Promise<OfferResult> {
  const self = await loadPeerIdentity();
  const { primary } = offer;
  if (offer.secondaryFingerprint !== self.fingerprint)
    return {
      ok: false,
      code: 'OFFER_NOT_FOR_THIS_CONSOLE',
      message: `The offer was checked against a console with certificate ${offer.secondaryFingerprint}, but this console's is ${self.fingerprint}. Something between the consoles intercepts TLS, or the certificate changed: pair again.`,
    };
  if (primary.applianceId === self.applianceId || primary.fingerprint === self.fingerprint)
    return { ok: false, code: 'PAIRING_WITH_ITSELF', message: 'The offer comes from this console itself. Pair with another console.' };
  if (self.pairedWith || self.configuredRole !== 'STANDALONE')
    return {
      ok: false,
      code: 'ALREADY_PAIRED',
      message: `${self.domain} is already ${self.pairedWith ? `paired with ${self.pairedWith.domain} (${self.pairedWith.address})` : `configured as ${self.configuredRole.toLowerCase()}`}. Remove that trusted host on it first.`,
    };
  const address = splitHostPort(primary.address);
  if (!address) return { ok: false, code: 'INVALID_ADDRESS', message: `The primary's address "${primary.address}" is not host:port.` };
  const added = await addTrustedHost(
    {
      applianceId: primary.applianceId,
      domain: primary.domain,
      address: address.host,
      port: address.port,
      peerPort: primary.peerPort,
      certificatePem: primary.certificatePem,
      fingerprint: primary.fingerprint,
      role: 'PRIMARY',
    },
    { username: `peer:${primary.domain}`, ip },
  );
  if (!added.ok) return added;
  getLogger('ha').info(
    { domain: primary.domain, address: primary.address, fingerprint: primary.fingerprint },
    'primary recorded as trusted host',
  );
  return { ok: true, response: { accepted: true, domain: self.domain, fingerprint: self.fingerprint } };
}
