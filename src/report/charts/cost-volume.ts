import { monthlyCost } from '../../economics/cost-curve.js';
import type { CostAnalysis } from '../../economics/cost-analysis.js';
import { PALETTE, renderSvg } from './render-svg.js';

/** Monthly cost vs volume per priced rung (log–log), break-even points marked, the task's volume drawn. */
export function costVolumeChart(costs: CostAnalysis): string {
  const curves = costs.rungs.flatMap((r) => (r.curve ? [r.curve] : []));
  const vols = costs.sweep.map((r) => r.volume);
  const lo = Math.max(1, Math.min(...vols, costs.volume) / 2);
  const hi = Math.max(...vols, costs.volume) * 2;
  const n = 80;
  const grid = Array.from({ length: n + 1 }, (_, i) => lo * (hi / lo) ** (i / n));
  const logY = curves.every((c) => monthlyCost(c, lo) > 0);
  const series: object[] = curves.map((c, i) => ({
    name: c.rungId, type: 'line', symbol: 'none', lineStyle: { color: PALETTE[i % PALETTE.length], width: 2 }, itemStyle: { color: PALETTE[i % PALETTE.length] },
    data: grid.map((v) => [v, monthlyCost(c, v)]),
  }));
  const points = costs.breakEvens
    .flatMap((b) => {
      const a = curves.find((c) => c.rungId === b.a);
      return a ? b.crossings.filter((v) => v >= lo && v <= hi).slice(0, 3).map((v) => ({ value: [v, monthlyCost(a, v)], name: `${b.a} = ${b.b}` })) : [];
    })
    // Alternate label sides so neighbouring break-even labels do not overprint each other.
    .map((p, i) => ({ ...p, label: { position: i % 2 === 0 ? 'top' : 'bottom' } }));
  series.push({
    name: 'break-even', type: 'scatter', symbol: 'diamond', symbolSize: 11, itemStyle: { color: '#111827' }, data: points,
    label: { show: true, position: 'top', fontSize: 10, formatter: (p: { name: string }) => p.name },
    markLine: { symbol: 'none', lineStyle: { type: 'dotted', color: '#dc2626' }, label: { formatter: 'your volume' }, data: [{ xAxis: costs.volume }] },
  });
  return renderSvg({
    title: { text: 'Monthly cost vs volume (break-even points marked)', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 70, right: 40, top: 50, bottom: 70 },
    xAxis: { type: 'log', name: 'requests / month', nameLocation: 'middle', nameGap: 28, min: lo, max: hi },
    yAxis: { type: logY ? 'log' : 'value', name: 'USD / month' },
    series: series as never,
  }, 720, 420);
}
