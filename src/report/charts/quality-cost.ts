import type { RungSummary } from '../../core/results.js';
import type { CostAnalysis } from '../../economics/cost-analysis.js';
import { PALETTE, renderSvg } from './render-svg.js';

/** A priced rung's point: monthly cost at the analysis volume and primary-metric estimate. */
export interface QualityCostPoint {
  rungId: string;
  cost: number;
  value: number;
  low: number;
  high: number;
}

export function qualityCostPoints(summaries: RungSummary[], costs: CostAnalysis, metric: string): QualityCostPoint[] {
  return summaries.flatMap((s) => {
    const c = costs.rungs.find((r) => r.rungId === s.rungId)?.monthlyUsd;
    const m = s.metrics[metric];
    return c === undefined || !m ? [] : [{ rungId: s.rungId, cost: c, value: m.value, low: m.low, high: m.high }];
  });
}

/** Points no other point beats on both cost (lower) and quality (higher), ordered by cost. */
export function paretoFront(points: QualityCostPoint[]): QualityCostPoint[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.value - a.value);
  const front: QualityCostPoint[] = [];
  for (const p of sorted) if (front.length === 0 || p.value > front[front.length - 1].value) front.push(p);
  return front;
}

/** Quality vs monthly cost with CI bars, the Pareto front and the quality target. */
export function qualityCostChart(points: QualityCostPoint[], opts: { metric: string; minQuality?: number; volume: number }): string {
  const logX = points.length > 0 && points.every((p) => p.cost > 0);
  const series: object[] = [];
  points.forEach((p, i) => {
    const color = PALETTE[i % PALETTE.length];
    series.push({ name: p.rungId, type: 'scatter', symbolSize: 12, itemStyle: { color }, data: [[p.cost, p.value]], label: { show: true, position: 'right', formatter: p.rungId } });
    series.push({ name: p.rungId, type: 'line', symbol: 'none', lineStyle: { color, width: 2 }, data: [[p.cost, p.low], [p.cost, p.high]], tooltip: { show: false } });
  });
  const front = paretoFront(points);
  series.push({
    name: 'Pareto front', type: 'line', step: 'end', symbol: 'none', lineStyle: { type: 'dashed', color: '#6b7280' },
    data: front.map((p) => [p.cost, p.value]),
    markLine: opts.minQuality === undefined ? undefined : { symbol: 'none', label: { formatter: `target ${opts.minQuality}` }, lineStyle: { color: '#dc2626' }, data: [{ yAxis: opts.minQuality }] },
  });
  return renderSvg({
    title: { text: `${opts.metric} vs monthly cost at ${opts.volume.toLocaleString('en-US')} requests/month`, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 60, right: 90, top: 50, bottom: 70 },
    xAxis: { type: logX ? 'log' : 'value', name: 'USD / month', nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'value', name: opts.metric, min: (v: { min: number }) => Math.max(0, Math.floor((Math.min(v.min, opts.minQuality ?? 1) - 0.05) * 20) / 20), max: 1 },
    series: series as never,
  });
}
