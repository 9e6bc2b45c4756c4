import type { DriftResult } from './drift.ts';

type Settled = Extract<DriftResult, { ok: true; settled: true }>;
type Unsettled = Extract<DriftResult, { ok: true; settled: false }>;

// One line per entity: the rows each console holds and whether the two agree.
export function formatDriftTable(result: Settled): string {
  const header = ['ENTITY', 'HERE', 'PEER', 'RESULT'];
  const rows = result.entities.map((e) => [e.entity, String(e.local.rows), String(e.peer.rows), e.same ? 'same' : 'differs']);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

const where = (p: { head: string; appliedSeq: string | null }) =>
  `journal head ${p.head}, applied ${p.appliedSeq ?? 'none'} of the other's`;

// The one line that sums a check up: null when every entity agrees.
export function driftProblem(result: Settled | Unsettled, settleSeconds: number): string | null {
  if (!result.settled)
    return (
      `Not settled: replication between this console (${where(result.positions.local)}) and ${result.peer.domain} ` +
      `(${where(result.positions.peer)}) kept moving for ${settleSeconds} s, so the digests would compare two moments. Retry the check.`
    );
  const differing = result.entities.filter((e) => !e.same);
  if (differing.length === 0) return null;
  return `${differing.length} of ${result.entities.length} entities differ from ${result.peer.domain}: ${differing.map((e) => e.entity).join(', ')}.`;
}

export function driftAgreement(result: Settled): string {
  return `All ${result.entities.length} entities are the same on ${result.peer.domain} (journal head here ${result.positions.local.head}, there ${result.positions.peer.head}).\n`;
}
