import type { KeyObject } from 'node:crypto';

const CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
};

// How a key is named to an admin: "an ECDSA P-256 key", "a 1024-bit RSA key", "an Ed25519 key".
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  const bits = details.modulusLength;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `a ${bits}-bit RSA key`;
    case 'rsa-pss':
      return `an RSA-PSS key (${bits} bits, restricted to PSS signatures)`;
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown curve';
      return `an ECDSA ${CURVES[curve] ?? curve} key`;
    }
    case 'dsa':
      return `a ${bits}-bit DSA key`;
    case 'ed25519':
      return 'an Ed25519 key';
    case 'ed448':
      return 'an Ed448 key';
    case 'x25519':
    case 'x448':
      return `an ${key.asymmetricKeyType.toUpperCase()} key`;
    default:
      return `a ${String(key.asymmetricKeyType ?? 'unknown').toUpperCase()} key`;
  }
}
