import type { PairedComparison, RungSummary } from '../core/results.js';

/** A plain-text table: what `ladder show` and the end of `ladder run` print. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatSummaries(summaries: RungSummary[], primaryMetric: string): string {
  const headers = ['rung', 'model', `${primaryMetric} [95% CI]`, 'p50 ms', 'p95 ms', 'in tok/req', 'cached in', 'out tok/req', 'errors', 'cached rows'];
  const rows = summaries.map((s) => {
    const m = s.metrics[primaryMetric];
    return [
      s.rungId,
      s.modelRef,
      m ? `${m.value.toFixed(3)} [${m.low.toFixed(3)}, ${m.high.toFixed(3)}]` : '-',
      s.latencyMs.p50.toFixed(0),
      s.latencyMs.p95.toFixed(0),
      s.usagePerRequest.inputTokens.toFixed(0),
      s.usagePerRequest.cachedInputTokens.toFixed(0),
      s.usagePerRequest.outputTokens.toFixed(1),
      `${s.failed}/${s.examples}`,
      `${s.cachedRows}/${s.examples}`,
    ];
  });
  return formatTable(headers, rows);
}

export function formatOtherMetrics(summaries: RungSummary[], primaryMetric: string): string {
  const names = [...new Set(summaries.flatMap((s) => Object.keys(s.metrics)))].filter((n) => n !== primaryMetric);
  if (names.length === 0) return '';
  return formatTable(
    ['rung', ...names],
    summaries.map((s) => [s.rungId, ...names.map((n) => (s.metrics[n] ? `${s.metrics[n].value.toFixed(3)} [${s.metrics[n].low.toFixed(3)}, ${s.metrics[n].high.toFixed(3)}]` : '-'))]),
  );
}

export function formatComparisons(comparisons: PairedComparison[]): string {
  return comparisons
    .map((c) => {
      const d = c.difference;
      const verdict = c.significant ? (d.value > 0 ? 'better (interval excludes 0)' : 'worse (interval excludes 0)') : 'no clear difference (interval includes 0)';
      return `${c.b} vs ${c.a}: ${c.metric} ${d.value >= 0 ? '+' : ''}${d.value.toFixed(3)} [${d.low.toFixed(3)}, ${d.high.toFixed(3)}] — ${verdict}`;
    })
    .join('\n');
}
