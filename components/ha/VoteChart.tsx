import { CHART, CHART_WINDOW_MS, chartModel, voteChartSummary, type VoteSample } from './vote-chart';

// Sensors voting for this console and for the peer, one sample a second over the last minutes. Drawn on
// the server (the page refreshes itself), so no chart code reaches the browser. Two lines told apart by
// colour and by dash, a dashed rule at half of the registered sensors: a takeover needs more than it.
export function VoteChart({
  id,
  history,
  registered,
  peerName,
}: {
  id: string;
  history: readonly VoteSample[];
  registered: number;
  peerName: string;
}) {
  const model = chartModel(history, registered);
  const summary = voteChartSummary(history, registered, peerName);
  const { plot } = model;
  return (
    <figure className="space-y-1" data-testid="vote-chart">
      <svg
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        className="h-auto w-full max-w-xl text-slate-500"
        role="img"
        aria-label={summary}
        aria-describedby={`${id}-legend`}
      >
        {/* The name a browser shows on hover; assistive technology reads the summary above instead. */}
        <title>Sensors voting for each console</title>
        {model.ticks.y.map((t) => (
          <g key={`y${t.value}`}>
            <line x1={plot.x0} x2={plot.x1} y1={t.y} y2={t.y} stroke="currentColor" strokeOpacity={0.2} />
            <text x={plot.x0 - 6} y={t.y} dy="0.32em" textAnchor="end" fontSize={10} fill="currentColor">
              {t.value}
            </text>
          </g>
        ))}
        {model.ticks.x.map((t) => (
          <text key={t.label} x={t.x} y={plot.y0 + 14} textAnchor="middle" fontSize={10} fill="currentColor">
            {t.label}
          </text>
        ))}
        {model.halfY !== null ? (
          <g>
            <line x1={plot.x0} x2={plot.x1} y1={model.halfY} y2={model.halfY} stroke="currentColor" strokeDasharray="2 3" />
            <text x={plot.x1} y={model.halfY - 3} textAnchor="end" fontSize={9} fill="currentColor">
              half
            </text>
          </g>
        ) : null}
        <path d={model.paths.peer} fill="none" stroke="#d97706" strokeWidth={2} strokeDasharray="6 3" strokeLinecap="round" />
        <path d={model.paths.self} fill="none" stroke="#0369a1" strokeWidth={2} strokeLinecap="round" />
        <text x={(plot.x0 + plot.x1) / 2} y={CHART.height - 4} textAnchor="middle" fontSize={10} fill="currentColor">
          Time (last {CHART_WINDOW_MS / 60_000} minutes)
        </text>
        <text transform={`translate(10 ${(plot.y0 + plot.y1) / 2}) rotate(-90)`} textAnchor="middle" fontSize={10} fill="currentColor">
          Sensors
        </text>
      </svg>
      <figcaption id={`${id}-legend`} className="flex flex-wrap gap-4 text-xs text-slate-600">
        <span className="inline-flex items-center gap-1.5">
          <svg width="20" height="6" aria-hidden="true">
            <line x1="1" x2="19" y1="3" y2="3" stroke="#0369a1" strokeWidth={2} />
          </svg>
          This console
        </span>
        <span className="inline-flex items-center gap-1.5">
          <svg width="20" height="6" aria-hidden="true">
            <line x1="1" x2="19" y1="3" y2="3" stroke="#d97706" strokeWidth={2} strokeDasharray="6 3" />
          </svg>
          {peerName}
        </span>
        <span>of {registered} registered</span>
      </figcaption>
    </figure>
  );
}
