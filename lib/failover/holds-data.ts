// Whether this console holds the pair's data and so may lead (lib/ha/quorum.ts, the tick's `holdsData`).
// A secondary holds it once its first snapshot has been received whole; a console receiving one (paired
// anew, or sent a fresh snapshot after falling too far behind) has emptied its tables first and does not.
// A primary sends the snapshot: its own state says 'sending' or 'done'.
export function holdsPairData(configuredRole: string, snapshotState: string | null | undefined): boolean {
  if (snapshotState === 'receiving') return false;
  return !(configuredRole === 'SECONDARY' && (snapshotState ?? 'none') === 'none');
}
