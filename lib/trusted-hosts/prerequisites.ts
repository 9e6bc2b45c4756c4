import { X509Certificate } from 'node:crypto';
import type { PeerIdentity, PeerInventory } from '../peer/protocol.ts';

// The checks a pairing must pass before anything is written, each refused with its own message.
// Pure: the caller gathers both identities (the secondary's over the peer channel) and one clock sample.

// Lease and vote timing across the pair assume clocks close enough that certificate validity, audit
// order and "last heard" times agree; 5 s is well under the smallest timeout they use.
export const CLOCK_TOLERANCE_MS = 5_000;
// A takeover is decided by the sensors' votes: with fewer than two, one sensor's view decides alone.
export const MIN_CONNECTED_SENSORS = 2;

// One round trip from the primary: its clock when it sent the request and when the answer arrived,
// and the secondary's clock as written in the answer.
export type ClockSample = { sentAt: number; peerClock: number; receivedAt: number };

// The secondary's clock minus the primary's, assuming the answer was written half-way through the
// round trip; the true offset lies within ± uncertainty of it.
export function clockOffset(sample: ClockSample): { offsetMs: number; uncertaintyMs: number } {
  const roundTrip = Math.max(0, sample.receivedAt - sample.sentAt);
  return { offsetMs: sample.peerClock - (sample.sentAt + roundTrip / 2), uncertaintyMs: roundTrip / 2 };
}

export type PairingCheckInput = {
  primary: PeerIdentity;
  secondary: PeerIdentity;
  clock: ClockSample;
  // The primary's clock, for certificate validity.
  now: number;
  // The admin confirmed that the secondary's own data will be replaced (CLI flag, UI confirmation).
  replacementConfirmed: boolean;
};

export type PrerequisiteCode =
  | 'PAIRING_WITH_ITSELF'
  | 'PRIMARY_ALREADY_PAIRED'
  | 'SECONDARY_ALREADY_PAIRED'
  | 'MODEL_MISMATCH'
  | 'SOFTWARE_VERSION_MISMATCH'
  | 'TOO_FEW_CONNECTED_SENSORS'
  | 'CLOCK_OFFSET_TOO_LARGE'
  | 'TIMEZONE_MISMATCH'
  | 'SAME_CERTIFICATE_CN'
  | 'SAME_CERTIFICATE'
  | 'PRIMARY_CERTIFICATE_NOT_VALID'
  | 'SECONDARY_CERTIFICATE_NOT_VALID'
  | 'DATA_REPLACEMENT_NOT_CONFIRMED';

export type PrerequisiteFailure = { ok: false; code: PrerequisiteCode; message: string };
export type PrerequisitesResult =
  { ok: true } | { ok: false; code: 'PAIRING_PREREQUISITES_NOT_MET'; message: string; failures: PrerequisiteFailure[] };

type Check = (input: PairingCheckInput) => PrerequisiteFailure | null;
const refuse = (code: PrerequisiteCode, message: string): PrerequisiteFailure => ({ ok: false, code, message });

// Every failure is reported, in this order, so an admin fixes them in one round.
const checks: Check[] = [
  ({ primary, secondary }) =>
    primary.applianceId === secondary.applianceId || sameAddress(primary.address, secondary.address)
      ? refuse(
          'PAIRING_WITH_ITSELF',
          `The address ${secondary.address} leads back to this console. Give the secondary console's address and connection string.`,
        )
      : null,
  ({ primary }) => alreadyPaired('PRIMARY_ALREADY_PAIRED', 'This console', primary),
  ({ secondary }) => alreadyPaired('SECONDARY_ALREADY_PAIRED', `The secondary ${secondary.domain}`, secondary),
  ({ primary, secondary }) =>
    primary.model === secondary.model
      ? null
      : refuse(
          'MODEL_MISMATCH',
          `Both consoles must be the same model: this console is "${primary.model}", the secondary is "${secondary.model}".`,
        ),
  ({ primary, secondary }) =>
    primary.softwareVersion === secondary.softwareVersion
      ? null
      : refuse(
          'SOFTWARE_VERSION_MISMATCH',
          `Both consoles must run the same software version: this console runs ${primary.softwareVersion}, the secondary ${secondary.softwareVersion}. Update the older one first.`,
        ),
  ({ primary }) =>
    primary.inventory.connectedSensors >= MIN_CONNECTED_SENSORS
      ? null
      : refuse(
          'TOO_FEW_CONNECTED_SENSORS',
          `This console needs at least ${MIN_CONNECTED_SENSORS} connected sensors before pairing; it has ${primary.inventory.connectedSensors}. Connect more sensors, then pair again.`,
        ),
  ({ clock }) => clockCheck(clock),
  ({ primary, secondary }) =>
    primary.timezone === secondary.timezone
      ? null
      : refuse(
          'TIMEZONE_MISMATCH',
          `Both consoles must use the same time zone: this console uses ${primary.timezone}, the secondary ${secondary.timezone}. Set it in System Settings → Time.`,
        ),
  ({ primary, secondary }) => {
    const cn = commonName(primary.certificatePem);
    return cn !== null && cn.toLowerCase() === commonName(secondary.certificatePem)?.toLowerCase()
      ? refuse(
          'SAME_CERTIFICATE_CN',
          `Both consoles present a certificate for "${cn}": each console needs its own domain. Install a certificate with another CN on the secondary (System Settings → SSL/TLS Certificates).`,
        )
      : null;
  },
  ({ primary, secondary }) =>
    primary.fingerprint === secondary.fingerprint
      ? refuse(
          'SAME_CERTIFICATE',
          `Both consoles present the same certificate (${primary.fingerprint}): each console needs its own certificate and key.`,
        )
      : null,
  ({ primary, now }) => validityCheck('PRIMARY_CERTIFICATE_NOT_VALID', "This console's certificate", primary.certificatePem, now),
  ({ secondary, now }) => validityCheck('SECONDARY_CERTIFICATE_NOT_VALID', "The secondary's certificate", secondary.certificatePem, now),
  ({ secondary, replacementConfirmed }) =>
    replacementConfirmed
      ? null
      : refuse(
          'DATA_REPLACEMENT_NOT_CONFIRMED',
          `Pairing replaces the secondary's own data with this console's: ${describeInventory(secondary.inventory)} on ${secondary.domain} will be deleted. Confirm the replacement to go on.`,
        ),
];

export function checkPairingPrerequisites(input: PairingCheckInput): PrerequisitesResult {
  const failures = checks.map((check) => check(input)).filter((failure) => failure !== null);
  if (failures.length === 0) return { ok: true };
  return {
    ok: false,
    code: 'PAIRING_PREREQUISITES_NOT_MET',
    message: `Pairing refused (${failures.length} of ${checks.length} prerequisites not met):\n${failures.map((f) => `- ${f.message}`).join('\n')}`,
    failures,
  };
}

function alreadyPaired(code: PrerequisiteCode, who: string, identity: PeerIdentity): PrerequisiteFailure | null {
  if (identity.pairedWith)
    return refuse(
      code,
      `${who} is already paired with ${identity.pairedWith.domain} (${identity.pairedWith.address}). Unpair it first: cyberx-management-trusted-hosts-remove -d ${identity.pairedWith.domain} on that console.`,
    );
  if (identity.configuredRole !== 'STANDALONE')
    return refuse(
      code,
      `${who} is configured as ${identity.configuredRole.toLowerCase()} of a pair. Unpair it first (cyberx-management-trusted-hosts-remove on that console) so that it is standalone.`,
    );
  return null;
}

function clockCheck(sample: ClockSample): PrerequisiteFailure | null {
  const { offsetMs, uncertaintyMs } = clockOffset(sample);
  const tolerance = `${CLOCK_TOLERANCE_MS / 1000} s`;
  if (uncertaintyMs > CLOCK_TOLERANCE_MS)
    return refuse(
      'CLOCK_OFFSET_TOO_LARGE',
      `The round trip to the secondary took ${Math.round(uncertaintyMs * 2)} ms, too long to tell whether the clocks agree within ${tolerance}. Pair again over a faster link.`,
    );
  // Refused when the offset could exceed the tolerance anywhere within the measurement's bounds.
  if (Math.abs(offsetMs) + uncertaintyMs <= CLOCK_TOLERANCE_MS) return null;
  const direction = offsetMs > 0 ? 'ahead of' : 'behind';
  return refuse(
    'CLOCK_OFFSET_TOO_LARGE',
    `The secondary's clock is ${(Math.abs(offsetMs) / 1000).toFixed(1)} s ${direction} this console's (±${Math.ceil(uncertaintyMs)} ms); they must agree within ${tolerance}. Point both consoles at the same NTP server (System Settings → Time).`,
  );
}

function commonName(pem: string): string | null {
  try {
    const line = new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN='));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

function validityCheck(code: PrerequisiteCode, what: string, pem: string, now: number): PrerequisiteFailure | null {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return refuse(
      code,
      `${what} cannot be read as an X.509 certificate. Install a valid certificate (System Settings → SSL/TLS Certificates).`,
    );
  }
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  if (now < from)
    return refuse(
      code,
      `${what} is not valid yet: it is valid from ${new Date(from).toISOString()}. Check the clock of the console that issued it, or install another certificate.`,
    );
  if (now > to)
    return refuse(
      code,
      `${what} expired on ${new Date(to).toISOString()}. Install a current certificate (System Settings → SSL/TLS Certificates).`,
    );
  return null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function describeInventory(inventory: PeerInventory): string {
  return [
    plural(inventory.sensors, 'sensor'),
    plural(inventory.users, 'user'),
    plural(inventory.settings, 'setting'),
    plural(inventory.vlans, 'VLAN'),
    plural(inventory.sensorEvents, 'sensor event'),
    plural(inventory.auditEvents, 'audit event'),
  ]
    .join(', ')
    .replace(/, ([^,]*)$/, ' and $1');
}

function sameAddress(a: string, b: string): boolean {
  const normalize = (address: string) =>
    address
      .trim()
      .toLowerCase()
      .replace(/^\[|\](?=:\d+$)/g, '');
  return normalize(a) === normalize(b);
}
