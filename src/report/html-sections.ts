import { fmtMs, fmtNum, fmtUsd, fmtVolume } from '../advisor/format.js';
import type { ReportData } from './types.js';
import { decisionFacts, decisionFallbacks } from './decision-facts.js';
import { esc } from './escape.js';
import { unfinishedHeadline, unfinishedLines } from './unfinished.js';
import { targetsText } from './targets-cell.js';

/** Server-rendered HTML fragments of the report; every user or model string goes through esc(). */

export function recommendationSection(data: ReportData): string {
  const r = data.recommendation;
  if (data.unfinished) {
    // Not yet known: no verdict, nor the advisor's reasons for one; the tables below show the finished rungs.
    return `<section class="rec miss" id="recommendation">
<h2>${esc(unfinishedHeadline(data.unfinished))}</h2>
<ul>${unfinishedLines(data.unfinished).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
</section>`;
  }
  const head =
    r.status === 'recommended'
      ? `Recommended: <strong>${esc(r.rungId)}</strong>`
      : r.status === 'none-qualifies'
        ? `No rung meets every target${r.closest ? `; closest: <strong>${esc(r.closest.rungId)}</strong>` : ''}`
        : 'No rungs were measured';
  return `<section class="rec ${r.status === 'recommended' ? 'ok' : 'miss'}" id="recommendation">
<h2>${head}</h2>
<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<p class="muted">Quality judged on the ${r.qualityBasis === 'point' ? 'point estimate' : '95% CI lower bound'} of ${esc(r.task.primaryMetric)}; costs at ${esc(fmtVolume(r.task.volume))} requests/month, one-off costs amortized over ${data.costs.amortizationMonths} months.</p>
</section>`;
}

export function targetsLine(data: ReportData): string {
  const t = data.task.targets;
  const parts = [
    t.minQuality !== undefined ? `${esc(data.task.primaryMetric)} ≥ ${t.minQuality}` : '',
    t.p95LatencyMs !== undefined ? `p95 ≤ ${esc(fmtMs(t.p95LatencyMs))}` : '',
    t.maxCostPer1kUsd !== undefined ? `≤ ${esc(fmtUsd(t.maxCostPer1kUsd))} per 1k requests` : '',
    t.selfHostedOnly ? 'self-hosted only' : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'none';
}

export function resultsTable(data: ReportData): string {
  const metricNames = [...new Set(data.summaries.flatMap((s) => Object.keys(s.metrics)))];
  const rows = data.summaries.map((s) => {
    const v = data.recommendation.verdicts.find((x) => x.rungId === s.rungId);
    const c = data.costs.rungs.find((x) => x.rungId === s.rungId);
    const misses = v?.checks.filter((x) => !x.pass).map((x) => x.message) ?? [];
    // No pick is marked while the run is unfinished.
    const pick = !data.unfinished && data.recommendation.rungId === s.rungId;
    return `<tr class="${pick ? 'pick' : ''}"><td>${esc(s.rungId)}${pick ? ' ★' : ''}</td><td>${s.level}</td><td>${esc(s.kind)}</td><td>${esc(s.modelRef)}</td>${metricNames
      .map((m) => {
        const e = s.metrics[m];
        return `<td class="num">${e ? `${fmtNum(e.value)} <span class="ci">[${fmtNum(e.low)}, ${fmtNum(e.high)}]</span>` : '–'}</td>`;
      })
      .join('')}<td class="num">${esc(fmtMs(s.latencyMs.p50))}</td><td class="num">${esc(fmtMs(s.latencyMs.p95))}</td><td class="num">${esc(s.servedLatencyMs && s.servedLatencyMs.requests > s.servedLatencyMs.failed ? fmtMs(s.servedLatencyMs.p95) : '–')}</td><td class="num">${esc(c?.capacity ? `${fmtVolume(c.capacity.requestsPerMonthPerMachine)}/month` : '–')}</td><td class="num">${esc(c?.costPer1kUsd === undefined ? 'unpriced' : fmtUsd(c.costPer1kUsd))}</td><td class="num">${esc(c?.monthlyUsd === undefined ? 'unpriced' : fmtUsd(c.monthlyUsd))}</td><td class="num">${s.failed}/${s.examples}</td><td title="${esc(misses.join('; '))}">${esc(targetsText(v))}</td></tr>`;
  });
  return `<table class="results"><thead><tr><th>rung</th><th>level</th><th>kind</th><th>model</th>${metricNames.map((m) => `<th>${esc(m)} [95% CI]</th>`).join('')}<th>eval p50</th><th>eval p95</th><th>served p95</th><th>one box serves</th><th>$ / 1k req</th><th>$ / month</th><th>failed</th><th>meets targets</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * Per rung: the decision against min_quality, rows used of the test split, the interval the decision used, rows and
 * dollars saved by stopping early, what would settle an undecided rung, and the dominant failure pattern with its
 * share and an example id. Shown when any rung has a decision or a failure.
 */
export function decisionsTable(data: ReportData): string {
  const facts = data.summaries.map(decisionFacts);
  if (!facts.some((f) => f.decision || f.failure)) return '';
  const cell = (text: string | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${text === undefined ? '–' : esc(text)}</td>`;
  const rows = facts.map(
    (f) =>
      `<tr><td>${esc(f.rungId)}</td>${cell(f.decision)}${cell(f.rowsUsed, 'num')}${cell(f.interval, 'num')}${cell(f.saved, 'num')}${cell(f.toSettle)}${
        f.failure ? `<td>${esc(f.failure.pattern)} <span class="ci">${esc(f.failure.share)}</span>${f.failure.exampleId !== undefined ? `<br><span class="meta">e.g. example <code>${esc(f.failure.exampleId)}</code></span>` : ''}</td>` : '<td>–</td>'
      }</tr>`,
  );
  const fallbacks = decisionFallbacks(data.summaries);
  return `<h2>Decisions</h2><table class="decisions"><thead><tr><th>rung</th><th>quality decision</th><th>rows used</th><th>decided on (95%)</th><th>saved by stopping</th><th>to settle</th><th>dominant failure</th></tr></thead><tbody>${rows.join('')}</tbody></table>${
    fallbacks.length ? `<ul class="muted">${fallbacks.map((x) => `<li>${esc(x.rungId)}: ${esc(x.reason)}</li>`).join('')}</ul>` : ''
  }`;
}

export function breakEvenTable(data: ReportData): string {
  if (data.costs.breakEvens.length === 0) return '<p class="muted">No pair of priced rungs to compare.</p>';
  const rows = data.costs.breakEvens.map((b) => {
    const low = b.cheaperAtLowVolume === 'equal' ? 'equal' : b.cheaperAtLowVolume;
    const other = low === b.a ? b.b : b.a;
    const text = b.volume === undefined ? `${low} stays cheaper` : `${other} cheaper above ${fmtVolume(b.volume)}${b.crossings.length > 1 ? ` (${b.crossings.length} crossings)` : ''}`;
    return `<tr><td>${esc(b.a)}</td><td>${esc(b.b)}</td><td class="num">${esc(b.volume === undefined ? '–' : fmtVolume(b.volume))}</td><td>${esc(low)}</td><td>${esc(text)}</td></tr>`;
  });
  return `<table><thead><tr><th>rung A</th><th>rung B</th><th>break-even (req/month)</th><th>cheaper at low volume</th><th>reading</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function comparisonsTable(data: ReportData): string {
  if (data.comparisons.length === 0) return '';
  const rows = data.comparisons.map(
    (c) => `<tr><td>${esc(c.metric)}</td><td>${esc(c.b)} − ${esc(c.a)}</td><td class="num">${fmtNum(c.difference.value)} <span class="ci">[${fmtNum(c.difference.low)}, ${fmtNum(c.difference.high)}]</span></td><td>${c.significant ? 'yes' : 'no'}</td></tr>`,
  );
  return `<h2>Paired comparisons</h2><table><thead><tr><th>metric</th><th>difference</th><th>estimate [95% CI]</th><th>significant</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function pricesTable(data: ReportData): string {
  const rows = data.costs.rungs.map((r) => {
    const src = r.status === 'unpriced' ? `unpriced: ${r.unpricedReason ?? ''}` : `${r.priceSource?.origin ?? ''}${r.priceSource?.checked ? ` (checked ${r.priceSource.checked})` : ''}`;
    const perReq = r.request.kind === 'unpriced' ? '–' : fmtUsd(r.request.usd);
    const notes = [...r.notes, ...r.unpricedFixedCosts.map((f) => `fixed cost "${f}" has no price`)];
    return `<tr><td>${esc(r.rungId)}</td><td class="num">${esc(perReq)}</td><td class="num">${esc(fmtUsd(r.oneOffUsd))}</td><td class="num">${r.replicas ?? '–'}</td><td>${esc(src)}</td><td>${notes.map((n) => esc(n)).join('<br>')}</td></tr>`;
  });
  return `<table><thead><tr><th>rung</th><th>$ / request</th><th>one-off $</th><th>machines</th><th>price source</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function probeGridTable(data: ReportData): string {
  const g = data.probeGrid;
  if (!g) return '';
  const fmt = (v: number | null) => (v === null ? '–' : g.format === 'pct' ? `${(v * 100).toFixed(1)}%` : g.format === 'usd' ? fmtUsd(v) : fmtNum(v));
  const all = g.values.flat().filter((v): v is number => v !== null);
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const shade = (v: number | null) => (v === null || hi === lo ? '' : ` style="background:rgba(37,99,235,${(0.08 + (0.5 * (v - lo)) / (hi - lo)).toFixed(2)})"`);
  return `<h2>${esc(g.title)}</h2><table class="grid"><thead><tr><th>${esc(g.rowLabel)} \\ ${esc(g.colLabel)}</th>${g.cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${g.rows
    .map((r, i) => `<tr><th>${esc(r)}</th>${g.cols.map((_, j) => `<td class="num"${shade(g.values[i]?.[j] ?? null)}>${esc(fmt(g.values[i]?.[j] ?? null))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
