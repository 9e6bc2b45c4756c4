// The pure parts of the vote chart on the High Availability page and the Overview (VoteChart.tsx draws
// them): scales, the lines' paths, the axes' ticks and the sentence a screen reader hears instead.

export type VoteSample = { at: number; self: number; peer: number | null };

// The worker keeps ten minutes of one-per-second samples; the chart shows all of them.
export const CHART_WINDOW_MS = 10 * 60_000;
// Samples are a second apart: a longer silence (the worker was not sampling) is a break in the line, not a
// straight run across it.
export const GAP_MS = 2500;

export const CHART = { width: 480, height: 150, left: 36, right: 12, top: 10, bottom: 34 } as const;

export type Scale = (value: number) => number;

// Maps [d0, d1] onto [r0, r1]; an empty domain maps everything to r0.
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

// Whole numbers of sensors from 0 to max (every one up to six), at most `count` intervals, always ending on
// max; a regular tick too close to max to be read apart from it is left out.
export function countTicks(max: number, count = 4): number[] {
  if (max <= 0) return [0];
  const step = max <= 6 ? 1 : Math.ceil(max / count);
  const ticks: number[] = [];
  for (let v = 0; v < max - step / 2; v += step) ticks.push(v);
  ticks.push(max);
  return ticks;
}

// Every five minutes back from the newest sample (every minute for a window under six), the newest
// labelled "now".
export function timeTicks(windowMs: number): Array<{ offsetMs: number; label: string }> {
  const stepMin = windowMs >= 6 * 60_000 ? 5 : 1;
  const ticks: Array<{ offsetMs: number; label: string }> = [];
  for (let m = Math.floor(windowMs / 60_000 / stepMin) * stepMin; m > 0; m -= stepMin)
    ticks.push({ offsetMs: -m * 60_000, label: `−${m} min` });
  ticks.push({ offsetMs: 0, label: 'now' });
  return ticks;
}

const r = (n: number) => Math.round(n * 10) / 10;

// A step line (a count holds until the next sample): "M x y H x' V y' …", started again after a sample with
// no value (the peer's count unknown) or a gap of more than GAP_MS.
export function stepPath(samples: readonly VoteSample[], value: (s: VoteSample) => number | null, x: Scale, y: Scale): string {
  const parts: string[] = [];
  let prev: VoteSample | null = null;
  for (const s of samples) {
    const v = value(s);
    if (v === null) {
      prev = null;
      continue;
    }
    if (prev === null || s.at - prev.at > GAP_MS) parts.push(`M${r(x(s.at))} ${r(y(v))}`);
    else parts.push(`H${r(x(s.at))}V${r(y(v))}`);
    prev = s;
  }
  return parts.join('');
}

export type ChartModel = {
  ticks: { y: Array<{ value: number; y: number }>; x: Array<{ x: number; label: string }> };
  // Where "half of the registered sensors" is: a takeover needs more than that line, a lease at least it.
  halfY: number | null;
  paths: { self: string; peer: string };
  plot: { x0: number; x1: number; y0: number; y1: number };
};

// The samples of the window that ends with the newest one, placed on the chart.
export function chartModel(history: readonly VoteSample[], registered: number, windowMs = CHART_WINDOW_MS): ChartModel {
  const end = history.length ? history[history.length - 1]!.at : 0;
  const samples = history.filter((s) => s.at >= end - windowMs);
  const max = Math.max(registered, 1, ...samples.map((s) => Math.max(s.self, s.peer ?? 0)));
  const plot = { x0: CHART.left, x1: CHART.width - CHART.right, y0: CHART.height - CHART.bottom, y1: CHART.top };
  const x = linearScale([end - windowMs, end], [plot.x0, plot.x1]);
  const y = linearScale([0, max], [plot.y0, plot.y1]);
  return {
    ticks: {
      y: countTicks(max).map((value) => ({ value, y: r(y(value)) })),
      x: timeTicks(windowMs).map((t) => ({ x: r(x(end + t.offsetMs)), label: t.label })),
    },
    halfY: registered > 0 ? r(y(registered / 2)) : null,
    paths: { self: stepPath(samples, (s) => s.self, x, y), peer: stepPath(samples, (s) => s.peer, x, y) },
    plot,
  };
}

function range(values: number[]): string {
  return `lowest ${Math.min(...values)}, highest ${Math.max(...values)}`;
}

// What the chart shows, in one sentence: its aria-label.
export function voteChartSummary(history: readonly VoteSample[], registered: number, peerName: string, windowMs = CHART_WINDOW_MS): string {
  const minutes = Math.round(windowMs / 60_000);
  if (history.length === 0) return `Sensors voting for each console: no samples yet (${registered} registered).`;
  const end = history[history.length - 1]!;
  const samples = history.filter((s) => s.at >= end.at - windowMs);
  const self = samples.map((s) => s.self);
  const peer = samples.map((s) => s.peer).filter((v): v is number => v !== null);
  const peerPart =
    end.peer !== null
      ? `${peerName} ${end.peer} now (${range(peer)})`
      : peer.length
        ? `${peerName} not known now (${range(peer)} while known)`
        : `${peerName} not known`;
  return `Sensors voting for each console over the last ${minutes} minutes, of ${registered} registered: this console ${end.self} now (${range(self)}); ${peerPart}.`;
}
