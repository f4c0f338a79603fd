import type { RungSummary } from '../../core/results.js';
import { renderSvg } from './render-svg.js';

/** p50 and p95 latency per rung as grouped bars, with the p95 target. */
export function latencyChart(summaries: RungSummary[], p95TargetMs?: number): string {
  const ids = summaries.map((s) => s.rungId);
  return renderSvg({
    title: { text: 'Latency per request (ms)', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 60, right: 130, top: 50, bottom: 80 },
    xAxis: { type: 'category', data: ids, axisLabel: { interval: 0, rotate: ids.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'ms' },
    series: [
      { name: 'p50', type: 'bar', itemStyle: { color: '#93c5fd' }, data: summaries.map((s) => Math.round(s.latencyMs.p50)) },
      {
        name: 'p95', type: 'bar', itemStyle: { color: '#2563eb' }, data: summaries.map((s) => Math.round(s.latencyMs.p95)),
        markLine: p95TargetMs === undefined ? undefined : { symbol: 'none', lineStyle: { color: '#dc2626' }, label: { formatter: `p95 target ${p95TargetMs} ms` }, data: [{ yAxis: p95TargetMs }] },
      },
    ],
  }, 720, 360);
}
