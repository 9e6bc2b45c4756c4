import { loadHaStatus } from '../replication/status.ts';
import { listTrustedHosts } from './data.ts';

export type TrustedHostView = {
  domain: string;
  address: string;
  fingerprint: string;
  role: 'PRIMARY' | 'SECONDARY';
  status: 'PENDING' | 'PAIRED' | 'UNREACHABLE';
  applianceId: string;
  createdAt: string;
  // How far behind the peer is with this console's journal (null until the pair is applied).
  lagSeconds: number | null;
  backlog: number | null;
};

export async function loadTrustedHosts(): Promise<TrustedHostView[]> {
  const [hosts, status] = await Promise.all([listTrustedHosts(), loadHaStatus()]);
  return hosts.map((h) => ({
    domain: h.domain,
    address: `${h.address}:${h.port}`,
    fingerprint: h.fingerprint,
    role: h.role,
    status: h.status,
    applianceId: h.applianceId,
    createdAt: h.createdAt.toISOString(),
    lagSeconds: status.outgoing ? Math.round(status.outgoing.lagSeconds * 10) / 10 : null,
    backlog: status.outgoing?.backlog ?? null,
  }));
}

// The peer's role is the OTHER console's: a row with role SECONDARY lives on the primary.
export function formatTrustedHostsTable(hosts: readonly TrustedHostView[]): string {
  if (hosts.length === 0) return 'No trusted hosts: this console is not paired.\n';
  const header = ['DOMAIN', 'ADDRESS', 'ROLE', 'STATUS', 'LAG', 'FINGERPRINT (SHA-256)'];
  const rows = hosts.map((h) => [
    h.domain,
    h.address,
    h.role.toLowerCase(),
    h.status.toLowerCase(),
    h.lagSeconds === null ? '-' : `${h.lagSeconds.toFixed(1)}s`,
    h.fingerprint,
  ]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
