import type { Recommendation } from '../advisor/types.js';
import type { RungSummary } from '../core/results.js';
import type { CostAnalysis } from '../economics/cost-analysis.js';
import { PALETTE, renderSvg } from '../report/charts/render-svg.js';
import { paretoFront, qualityCostPoints } from '../report/charts/quality-cost.js';

/**
 * Quality against $/month at the analysis volume, one point per priced rung with its interval; the symbol's size
 * grows with p95 latency (the third axis), the Pareto front is dashed, the targets are drawn (quality as a
 * horizontal line, $/1k converted to $/month as a vertical one) and the pick is marked.
 */
export function paretoChart(summaries: RungSummary[], costs: CostAnalysis, recommendation: Recommendation, metric: string): string {
  const points = qualityCostPoints(summaries, costs, metric);
  const targets = recommendation.task.targets;
  const maxP95 = Math.max(1, ...summaries.map((s) => s.latencyMs.p95));
  const series: object[] = points.flatMap((p, i) => {
    const s = summaries.find((x) => x.rungId === p.rungId)!;
    const color = PALETTE[i % PALETTE.length];
    const picked = p.rungId === recommendation.rungId;
    return [
      {
        name: p.rungId, type: 'scatter', itemStyle: { color }, symbol: picked ? 'pin' : 'circle',
        symbolSize: (picked ? 30 : 10) + 20 * (s.latencyMs.p95 / maxP95),
        data: [[p.cost, p.value]],
        label: { show: true, position: 'right', formatter: `${p.rungId}${picked ? ' (pick)' : ''} · p95 ${Math.round(s.latencyMs.p95)} ms` },
      },
      { name: p.rungId, type: 'line', symbol: 'none', lineStyle: { color, width: 2 }, data: [[p.cost, p.low], [p.cost, p.high]] },
    ];
  });
  const marks: object[] = [];
  if (targets.minQuality !== undefined) marks.push({ yAxis: targets.minQuality, label: { formatter: `min ${metric} ${targets.minQuality}` } });
  if (targets.maxCostPer1kUsd !== undefined) marks.push({ xAxis: (targets.maxCostPer1kUsd * costs.volume) / 1000, label: { formatter: `max $${targets.maxCostPer1kUsd}/1k` } });
  series.push({
    name: 'Pareto front', type: 'line', step: 'end', symbol: 'none', lineStyle: { type: 'dashed', color: '#6b7280' },
    data: paretoFront(points).map((p) => [p.cost, p.value]),
    markLine: marks.length ? { symbol: 'none', lineStyle: { color: '#dc2626' }, data: marks } : undefined,
  });
  const logX = points.length > 0 && points.every((p) => p.cost > 0);
  return renderSvg(
    {
      title: { text: `${metric} vs USD/month at ${costs.volume.toLocaleString('en-US')} requests/month (size: p95 latency)`, left: 'center', textStyle: { fontSize: 13 } },
      grid: { left: 60, right: 160, top: 50, bottom: 50 },
      xAxis: { type: logX ? 'log' : 'value', name: 'USD / month', nameLocation: 'middle', nameGap: 28, scale: true },
      yAxis: { type: 'value', name: metric, min: (v: { min: number }) => Math.max(0, Math.floor((Math.min(v.min, targets.minQuality ?? 1) - 0.05) * 20) / 20), max: 1 },
      series: series as never,
    },
    760,
    420,
  );
}
