// A log-scale latency histogram: buckets 2 % wide, so p50/p99 are within 2 % whatever the range, and
// histograms from several agent processes merge by adding counts.
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const FLOOR_MS = 0.01;

export type HistogramData = Record<string, number>;

export class Histogram {
  readonly counts = new Map<number, number>();
  total = 0;

  record(ms: number): void {
    const bucket = Math.max(0, Math.ceil(Math.log(Math.max(ms, FLOOR_MS) / FLOOR_MS) / LOG_GROWTH));
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.total++;
  }

  merge(data: HistogramData): void {
    for (const [bucket, count] of Object.entries(data)) {
      this.counts.set(Number(bucket), (this.counts.get(Number(bucket)) ?? 0) + count);
      this.total += count;
    }
  }

  toJSON(): HistogramData {
    return Object.fromEntries(this.counts);
  }

  // The upper edge of the bucket holding the q-quantile (0 < q ≤ 1); null when empty.
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return FLOOR_MS * GROWTH ** bucket;
    }
    return null;
  }

  reset(): void {
    this.counts.clear();
    this.total = 0;
  }
}
