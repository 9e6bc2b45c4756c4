import { describe, expect, it } from 'vitest';
import {
  CHART,
  CHART_WINDOW_MS,
  chartModel,
  countTicks,
  linearScale,
  stepPath,
  timeTicks,
  voteChartSummary,
  type VoteSample,
} from '../../components/ha/vote-chart.ts';

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const samples = (values: Array<[number, number | null]>, start = T0): VoteSample[] =>
  values.map(([self, peer], i) => ({ at: start + i * 1000, self, peer }));

describe('the scales', () => {
  it('map a domain onto a range, inverted ranges included', () => {
    const x = linearScale([0, 10], [100, 200]);
    expect([x(0), x(5), x(10), x(-10)]).toEqual([100, 150, 200, 0]);
    const y = linearScale([0, 4], [120, 20]);
    expect([y(0), y(1), y(4)]).toEqual([120, 95, 20]);
  });

  it('map an empty domain to the start of the range instead of dividing by zero', () => {
    expect(linearScale([3, 3], [10, 50])(3)).toBe(10);
  });

  it('tick whole numbers of sensors, ending on the maximum, none crowding it', () => {
    expect(countTicks(0)).toEqual([0]);
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(countTicks(7)).toEqual([0, 2, 4, 7]);
    expect(countTicks(9)).toEqual([0, 3, 6, 9]);
    expect(countTicks(50)).toEqual([0, 13, 26, 39, 50]);
    expect(countTicks(1000)).toEqual([0, 250, 500, 750, 1000]);
  });

  it('tick time back from now, every five minutes over ten, every minute over a short window', () => {
    expect(timeTicks(CHART_WINDOW_MS).map((t) => t.label)).toEqual(['−10 min', '−5 min', 'now']);
    expect(timeTicks(3 * 60_000)).toEqual([
      { offsetMs: -180_000, label: '−3 min' },
      { offsetMs: -120_000, label: '−2 min' },
      { offsetMs: -60_000, label: '−1 min' },
      { offsetMs: 0, label: 'now' },
    ]);
  });
});

describe('the path of a line', () => {
  const x = (at: number) => (at - T0) / 1000;
  const y = (v: number) => 100 - v * 10;

  it('holds each count until the next sample', () => {
    expect(
      stepPath(
        samples([
          [1, null],
          [3, null],
          [3, null],
          [2, null],
        ]),
        (s) => s.self,
        x,
        y,
      ),
    ).toBe('M0 90H1V70H2V70H3V80');
  });

  it('breaks where the peer’s count is unknown, and over a silence longer than a missed sample or two', () => {
    const peer = stepPath(
      samples([
        [0, 1],
        [0, null],
        [0, 2],
        [0, 2],
      ]),
      (s) => s.peer,
      x,
      y,
    );
    expect(peer).toBe('M0 90M2 80H3V80');
    const gap = [
      ...samples([
        [1, 0],
        [1, 0],
      ]),
      ...samples([[4, 0]], T0 + 5000),
    ];
    expect(stepPath(gap, (s) => s.self, x, y)).toBe('M0 90H1V90M5 60');
    // Two seconds apart is still one line.
    expect(stepPath([...samples([[1, 0]]), ...samples([[2, 0]], T0 + 2000)], (s) => s.self, x, y)).toBe('M0 90H2V80');
  });

  it('is empty with no samples, or no known value', () => {
    expect(stepPath([], (s) => s.self, x, y)).toBe('');
    expect(stepPath(samples([[1, null]]), (s) => s.peer, x, y)).toBe('');
  });
});

describe('the chart', () => {
  it('ends at the newest sample, drops samples older than the window, and scales to the registered sensors', () => {
    const end = T0 + CHART_WINDOW_MS;
    const history: VoteSample[] = [
      { at: T0 - 1000, self: 9, peer: 9 }, // older than the window: neither drawn nor scaled to
      { at: T0, self: 2, peer: 2 },
      { at: end, self: 4, peer: 0 },
    ];
    const model = chartModel(history, 4);
    const { plot } = model;
    expect(plot).toEqual({ x0: CHART.left, x1: CHART.width - CHART.right, y0: CHART.height - CHART.bottom, y1: CHART.top });
    expect(model.ticks.y.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(model.ticks.y.at(-1)!.y).toBe(plot.y1);
    expect(model.ticks.x.map((t) => [t.label, t.x])).toEqual([
      ['−10 min', plot.x0],
      ['−5 min', (plot.x0 + plot.x1) / 2],
      ['now', plot.x1],
    ]);
    const mid = (plot.y0 + plot.y1) / 2;
    expect(model.halfY).toBe(mid);
    // Ten minutes apart: two points, no line across the silence.
    expect(model.paths.self).toBe(`M${plot.x0} ${mid}M${plot.x1} ${plot.y1}`);
    expect(model.paths.peer).toBe(`M${plot.x0} ${mid}M${plot.x1} ${plot.y0}`);
    // A second apart, in a window of a minute: one line, stepping at the newest sample (a 432-unit plot:
    // 7.2 a second).
    const dense = chartModel(
      [
        { at: T0, self: 2, peer: null },
        { at: T0 + 1000, self: 4, peer: null },
      ],
      4,
      60_000,
    );
    expect(dense.paths.self).toBe('M460.8 63H468V10');
    expect(dense.paths.peer).toBe('');
  });

  it('scales above the registered count when more voted (a sensor removed since), and draws no half line with none registered', () => {
    const model = chartModel(samples([[3, 1]]), 0);
    expect(model.ticks.y.map((t) => t.value)).toEqual([0, 1, 2, 3]);
    expect(model.halfY).toBeNull();
    expect(chartModel([], 0).ticks.y.map((t) => t.value)).toEqual([0, 1]);
  });
});

describe('the summary a screen reader hears', () => {
  it('says the counts now and their range, for each console', () => {
    expect(
      voteChartSummary(
        samples([
          [3, 2],
          [5, 0],
          [4, 1],
        ]),
        5,
        'otc-b.plant.test',
      ),
    ).toBe(
      'Sensors voting for each console over the last 10 minutes, of 5 registered: this console 4 now (lowest 3, highest 5); otc-b.plant.test 1 now (lowest 0, highest 2).',
    );
  });

  it('says when the peer’s count is not known', () => {
    expect(
      voteChartSummary(
        samples([
          [2, 3],
          [5, null],
        ]),
        5,
        'the peer',
      ),
    ).toBe(
      'Sensors voting for each console over the last 10 minutes, of 5 registered: this console 5 now (lowest 2, highest 5); the peer not known now (lowest 3, highest 3 while known).',
    );
    expect(voteChartSummary(samples([[2, null]]), 5, 'the peer')).toMatch(/; the peer not known\.$/);
  });

  it('says when there is nothing to show yet', () => {
    expect(voteChartSummary([], 2, 'the peer')).toBe('Sensors voting for each console: no samples yet (2 registered).');
  });
});
