// Which scheduled backups a new one makes redundant: everything older than the `retain`-th newest
// ready one. Failed attempts newer than that stay listed, so a run of failures remains visible; with
// fewer than `retain` ready backups nothing is removed.
export function expiredBackups<T extends { status: string; createdAt: Date }>(rows: T[], retain: number): T[] {
  const newestFirst = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  let ready = 0;
  const cut = newestFirst.findIndex((r) => r.status === 'ready' && ++ready === retain);
  return cut === -1 ? [] : newestFirst.slice(cut + 1).filter((r) => r.status !== 'running');
}
