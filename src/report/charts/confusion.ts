import type { ConfusionData } from '../types.js';
import { renderSvg } from './render-svg.js';

/** Expected (rows) × predicted (columns) heatmap for one rung of a label task. */
export function confusionChart(data: ConfusionData): string {
  const cells: [number, number, number][] = [];
  let max = 0;
  data.counts.forEach((row, i) => row.forEach((n, j) => {
    cells.push([j, i, n]);
    max = Math.max(max, n);
  }));
  const size = Math.min(640, 160 + 48 * data.labels.length);
  return renderSvg({
    title: { text: `Confusion matrix: ${data.rungId}`, left: 'center', textStyle: { fontSize: 14 } },
    grid: { left: 120, right: 30, top: 50, bottom: 100 },
    xAxis: { type: 'category', data: data.labels, name: 'predicted', nameLocation: 'middle', nameGap: 70, axisLabel: { rotate: 40, interval: 0 } },
    yAxis: { type: 'category', data: data.labels, name: 'expected', nameLocation: 'middle', nameGap: 90, inverse: true, axisLabel: { interval: 0 } },
    visualMap: { min: 0, max: Math.max(1, max), show: false, inRange: { color: ['#f8fafc', '#1d4ed8'] } },
    series: [{ type: 'heatmap', data: cells, label: { show: true } }],
  }, size + 120, size);
}
