import { createHash } from 'node:crypto';
import { fmtVolume } from '../advisor/format.js';
import { confusionChart } from './charts/confusion.js';
import { costVolumeChart } from './charts/cost-volume.js';
import { latencyChart } from './charts/latency.js';
import { qualityCostChart, qualityCostPoints } from './charts/quality-cost.js';
import { esc } from './escape.js';
import { exampleTable, FILTER_SCRIPT } from './example-table.js';
import { breakEvenTable, comparisonsTable, decisionsTable, pricesTable, probeGridTable, recommendationSection, resultsTable, targetsLine } from './html-sections.js';
import { judgeSection } from './judge-section.js';
import type { ReportData } from './types.js';

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1200px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#6b7280}.rec{border-radius:8px;padding:12px 18px;margin:16px 0;background:#fff;border-left:6px solid #16a34a}
.rec.miss{border-left-color:#dc2626}.rec h2{margin-top:4px}table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6;font-weight:600}
td.num{text-align:right;white-space:nowrap}.ci{color:#6b7280;font-size:12px}tr.pick td{background:#ecfdf5}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px}
.chart svg{display:block;max-width:100%;height:auto}.out{max-height:9em;overflow:auto;white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,Menlo,monospace;font-size:12px}
table.examples td{min-width:7em}td.right{background:#f0fdf4}td.wrong{background:#fef2f2}.meta{color:#6b7280;font-size:11px}
.filters{display:flex;gap:8px;align-items:center;margin:8px 0}#q{flex:1;padding:6px 8px;font-size:14px}`;

function chart(id: string, svg: string): string {
  return `<figure class="chart" id="${id}">${svg}</figure>`;
}

/** The whole report as one self-contained HTML page: inline CSS, inline SVG charts, one hashed inline script. */
export function buildHtml(data: ReportData): string {
  const points = qualityCostPoints(data.summaries, data.costs, data.task.primaryMetric);
  const charts = [
    points.length > 0 ? chart('chart-quality-cost', qualityCostChart(points, { metric: data.task.primaryMetric, minQuality: data.task.targets.minQuality, volume: data.costs.volume })) : '',
    data.costs.rungs.some((r) => r.curve) ? chart('chart-cost-volume', costVolumeChart(data.costs)) : '',
    data.summaries.length > 0 ? chart('chart-latency', latencyChart(data.summaries, data.task.targets.p95LatencyMs)) : '',
  ].filter(Boolean);
  const confusion = (data.confusion ?? []).map((c, i) => chart(`chart-confusion-${i}`, confusionChart(c)));
  const scriptHash = createHash('sha256').update(FILTER_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
  const title = data.title ?? `Ladder report: ${data.task.name}`;
  const unpriced = data.costs.rungs.filter((r) => r.status === 'unpriced');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="muted">Task <strong>${esc(data.task.name)}</strong> · ${esc(fmtVolume(data.task.monthlyVolume))} requests/month · targets: ${targetsLine(data)}${data.runId ? ` · run ${esc(data.runId)}` : ''}${data.createdAt ? ` · ${esc(data.createdAt)}` : ''}</p>
${recommendationSection(data)}
<h2>Results</h2>
${resultsTable(data)}
${unpriced.length ? `<p class="muted">Unpriced: ${unpriced.map((r) => `${esc(r.rungId)} (${esc(r.unpricedReason)})`).join('; ')}</p>` : ''}
${decisionsTable(data)}
${judgeSection(data)}
<h2>Charts</h2>
<div class="charts">${charts.join('')}${confusion.join('')}</div>
<h2>Break-even volumes</h2>
${breakEvenTable(data)}
${comparisonsTable(data)}
<h2>Prices and their sources</h2>
${pricesTable(data)}
${probeGridTable(data)}
<h2>Examples</h2>
${exampleTable(data)}
</main><script>${FILTER_SCRIPT}</script></body></html>
`;
}
