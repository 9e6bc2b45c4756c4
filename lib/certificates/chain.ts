import type { X509Certificate } from 'node:crypto';

export type ChainResult = { ok: true; path: X509Certificate[]; warnings: string[] } | { ok: false; code: string; message: string };

const name = (c: X509Certificate) => c.subject.split('\n').join(', ');
const issuerName = (c: X509Certificate) => c.issuer.split('\n').join(', ');
const day = (d: Date) => d.toISOString().slice(0, 10);

function signs(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && signs(cert, cert);
}

// Puts the supplied certificates in order from the leaf's issuer up, whatever order the file had them
// in, and checks every link: each issuer signed the one below, is a CA and is valid now. A chain that
// stops short of a root is served as far as it goes (clients that trust the next issuer accept it),
// and so is a leaf with no chain at all; only a supplied chain that does not verify is refused.
export function buildChain(leaf: X509Certificate, supplied: X509Certificate[], now: Date): ChainResult {
  const pool = supplied.filter(
    (c, i) => c.fingerprint256 !== leaf.fingerprint256 && supplied.findIndex((d) => d.fingerprint256 === c.fingerprint256) === i,
  );
  const path: X509Certificate[] = [];
  const warnings: string[] = [];
  let current = leaf;
  for (let depth = 0; depth < 10 && !isSelfSigned(current); depth++) {
    const named = pool.filter((c) => current.checkIssued(c));
    if (named.length === 0) {
      if (supplied.length === 0)
        warnings.push(
          `No chain was uploaded: clients must already trust "${issuerName(current)}", which issued this certificate, or they will warn. Upload the chain (intermediate and root certificates) to serve it with the certificate.`,
        );
      else
        warnings.push(
          `The chain ends at "${name(current)}", issued by "${issuerName(current)}", which was not uploaded: clients must already trust that issuer.`,
        );
      break;
    }
    const issuer = named.find((c) => signs(c, current));
    if (!issuer)
      return {
        ok: false,
        code: 'CHAIN_SIGNATURE',
        message: `The chain does not verify: "${name(current)}" was not signed by the key of "${name(named[0]!)}". Upload the chain of the CA that issued this certificate.`,
      };
    if (!issuer.ca)
      return {
        ok: false,
        code: 'CHAIN_NOT_CA',
        message: `The chain does not verify: "${name(issuer)}" is not a CA certificate (basicConstraints CA:TRUE), so clients will not accept what it signed.`,
      };
    const from = new Date(issuer.validFrom);
    const to = new Date(issuer.validTo);
    if (now > to)
      return {
        ok: false,
        code: 'CHAIN_EXPIRED',
        message: `The chain certificate "${name(issuer)}" expired on ${day(to)}: ask your CA for its current chain.`,
      };
    if (now < from)
      return {
        ok: false,
        code: 'CHAIN_NOT_YET_VALID',
        message: `The chain certificate "${name(issuer)}" is not valid until ${day(from)}.`,
      };
    path.push(issuer);
    pool.splice(pool.indexOf(issuer), 1);
    current = issuer;
  }
  if (pool.length > 0)
    return {
      ok: false,
      code: 'CHAIN_UNRELATED',
      message: `The chain holds ${pool.length === 1 ? 'a certificate' : 'certificates'} that did not issue this one: ${pool.map((c) => `"${name(c)}"`).join(', ')}. Upload only the chain of the CA that issued this certificate.`,
    };
  return { ok: true, path, warnings };
}
