import { isIP } from 'node:net';

// The certificate's CN becomes the appliance domain, which names this console to its peer (the HA
// commands' `-d <domain>`) and to browsers, so it must be a host name: labels of letters, digits and
// hyphens (RFC 1123), at most 253 characters, and not an address.
export function domainNameProblem(cn: string): string | null {
  if (isIP(cn))
    return `The Common Name "${cn}" is an IP address; it must be the appliance's DNS name (for example console-a.plant.example).`;
  if (cn.length > 253) return `The Common Name is ${cn.length} characters long; a DNS name has at most 253.`;
  const labels = cn.replace(/\.$/, '').split('.');
  const bad = labels.find((label) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
  if (bad !== undefined)
    return `The Common Name "${cn}" is not a DNS name (letters, digits and hyphens between dots): it becomes the appliance domain, so it must name this console, for example console-a.plant.example.`;
  if (/^[0-9]+$/.test(labels.at(-1)!))
    return `The Common Name "${cn}" ends in a number; a DNS name ends in a name (for example .local or .example).`;
  return null;
}

export function canonicalDomain(cn: string): string {
  return cn.replace(/\.$/, '').toLowerCase();
}
