import { listTrustedHosts } from './data.ts';

export type TrustedHostView = {
  domain: string;
  address: string;
  fingerprint: string;
  role: 'PRIMARY' | 'SECONDARY';
  status: 'PENDING' | 'PAIRED' | 'UNREACHABLE';
  applianceId: string;
  createdAt: string;
};

export async function loadTrustedHosts(): Promise<TrustedHostView[]> {
  return (await listTrustedHosts()).map((h) => ({
    domain: h.domain,
    address: `${h.address}:${h.port}`,
    fingerprint: h.fingerprint,
    role: h.role,
    status: h.status,
    applianceId: h.applianceId,
    createdAt: h.createdAt.toISOString(),
  }));
}

// The peer's role is the OTHER console's: a row with role SECONDARY lives on the primary.
export function formatTrustedHostsTable(hosts: readonly TrustedHostView[]): string {
  if (hosts.length === 0) return 'No trusted hosts: this console is not paired.\n';
  const header = ['DOMAIN', 'ADDRESS', 'ROLE', 'STATUS', 'FINGERPRINT (SHA-256)'];
  const rows = hosts.map((h) => [h.domain, h.address, h.role.toLowerCase(), h.status.toLowerCase(), h.fingerprint]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
