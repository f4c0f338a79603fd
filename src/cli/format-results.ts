import type { PairedComparison, RungSummary } from '../core/results.js';
import { intervalSource } from '../advisor/format.js';

/** A plain-text table: what `ladder show` and the end of `ladder run` print. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * One row per rung. Latency twice: `eval p50/p95` under the evaluation's own concurrency (queueing included) and
 * `served p50/p95` from the one-at-a-time probe, which latency targets are judged on; `answers/s` is the
 * throughput sustained during evaluation (the capacity self-hosted cost is priced from; `~` = estimated from latency).
 */
export function formatSummaries(summaries: RungSummary[], primaryMetric: string): string {
  const headers = ['rung', 'model', `${primaryMetric} [95% CI]`, 'eval p50 ms', 'eval p95 ms', 'served p50 ms', 'served p95 ms', 'answers/s', 'in tok/req', 'cached in', 'out tok/req', 'errors', 'cached rows'];
  const rows = summaries.map((s) => {
    const m = s.metrics[primaryMetric];
    const served = s.servedLatencyMs && s.servedLatencyMs.requests > s.servedLatencyMs.failed ? s.servedLatencyMs : undefined;
    return [
      s.rungId,
      s.modelRef,
      m ? `${m.value.toFixed(3)} [${m.low.toFixed(3)}, ${m.high.toFixed(3)}]` : '-',
      s.latencyMs.p50.toFixed(0),
      s.latencyMs.p95.toFixed(0),
      served ? served.p50.toFixed(0) : '-',
      served ? served.p95.toFixed(0) : '-',
      formatRate(s.throughput?.answersPerSecond),
      s.usagePerRequest.inputTokens.toFixed(0),
      s.usagePerRequest.cachedInputTokens.toFixed(0),
      s.usagePerRequest.outputTokens.toFixed(1),
      `${s.failed}/${s.examples}`,
      `${s.cachedRows}/${s.examples}`,
    ];
  });
  return formatTable(headers, rows);
}

export function formatRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
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

/**
 * Per rung: rows used of the split, the decision against min_quality, the interval it was decided on, and what
 * stopping early saved against a fixed-size run; then rungs a settled pick made unnecessary.
 */
export function formatDecisions(summaries: RungSummary[], skipped: { rungId: string; reason: string }[] = []): string {
  const decided = summaries.filter((s) => s.decision);
  if (decided.length === 0 && skipped.length === 0) return '';
  const rows = decided.map((s) => {
    const d = s.decision!;
    return [
      s.rungId,
      `${d.examplesUsed}/${d.examplesTotal}`,
      d.decision === 'no-target' ? '-' : d.threshold === undefined ? d.decision : `${d.decision} ${d.decision === 'meets' ? '≥' : d.decision === 'misses' ? '<' : '?'} ${d.threshold}`,
      `[${d.interval.low.toFixed(3)}, ${d.interval.high.toFixed(3)}] ${intervalSource(d, true)}`,
      `${d.savedExamples}${d.savedUsd ? ` ($${d.savedUsd.toFixed(4)})` : ''}`,
      d.pairedBelow ? `${d.pairedBelow.value >= 0 ? '+' : ''}${d.pairedBelow.value.toFixed(3)} [${d.pairedBelow.low.toFixed(3)}, ${d.pairedBelow.high.toFixed(3)}] vs ${d.pairedBelow.rungId} (${d.pairedBelow.examples} rows)` : '-',
    ];
  });
  const lines = [formatTable(['rung', 'rows used', 'quality decision', 'decided on (95%)', 'rows saved', 'paired vs rung below (anytime)'], rows)];
  for (const s of decided) if (s.decision!.fallback) lines.push(`${s.rungId}: ${s.decision!.fallback}`);
  for (const k of skipped) lines.push(`${k.rungId}: ${k.reason}`);
  return lines.join('\n');
}
