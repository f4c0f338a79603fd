import type { Metric, ScoredRow } from '../core/metric.js';
import { aggregateMetric } from '../core/metric.js';
import type { Estimate, PairedComparison, RungSummary } from '../core/results.js';
import { sideUsageOf, type FixedCost, type Prediction } from '../core/rung.js';
import type { Task } from '../core/task.js';
import type { Usage } from '../core/types.js';
import { addUsage, emptyUsage } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { bootstrapEach, pairedBootstrap, quantile } from './bootstrap.js';
import { categorizeFailures, type FailureCategories } from './categorize-failures.js';

export function toScoredRows(task: Task, rows: PredictionRow[]): ScoredRow[] {
  const byId = new Map(rows.map((r) => [r.exampleId, r]));
  return task.test.map((example): ScoredRow => {
    const row = byId.get(example.id);
    if (!row || row.error) return { example, answer: null, output: row?.prediction.output ?? '', failed: true, details: row?.prediction.details };
    return { example, answer: row.prediction.answer, output: row.prediction.output, failed: false, details: row.prediction.details };
  });
}

export interface RungIdentity {
  rungId: string;
  kind: string;
  level: number;
  modelRef: string;
  hosting: 'local' | 'remote';
  fixedCosts: FixedCost[];
  batch?: boolean;
}

/** Turns a rung's stored rows into its measured summary: metric estimates with CIs, latency, usage, failures. */
export function summarizeRung(task: Task, metrics: Metric[], identity: RungIdentity, rows: PredictionRow[], seed = 12345): RungSummary {
  const scored = toScoredRows(task, rows);
  const metricEstimates: Record<string, Estimate> = {};
  const estimates = bootstrapEach(scored.length, metrics.map((metric) => resampled(metric, scored)), { seed });
  metrics.forEach((metric, i) => (metricEstimates[metric.name] = estimates[i]));
  const ok = rows.filter((r) => !r.error);
  const latencies = Float64Array.from(ok.map((r) => r.prediction.latencyMs)).sort();
  const usageTotal = ok.reduce<Usage>((sum, r) => addUsage(sum, r.prediction.usage), emptyUsage());
  const n = Math.max(1, ok.length);
  return {
    rungId: identity.rungId,
    kind: identity.kind,
    level: identity.level,
    modelRef: identity.modelRef,
    hosting: identity.hosting,
    examples: task.test.length,
    failed: rows.filter((r) => r.error).length,
    ...failedByCode(rows),
    cachedRows: rows.filter((r) => r.prediction.cached).length,
    metrics: metricEstimates,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
    },
    usagePerRequest: {
      inputTokens: usageTotal.inputTokens / n,
      cachedInputTokens: usageTotal.cachedInputTokens / n,
      cacheWriteTokens: usageTotal.cacheWriteTokens / n,
      outputTokens: usageTotal.outputTokens / n,
    },
    usageTotal,
    ...sideUsageFacts(ok.map((r) => r.prediction), n),
    fixedCosts: identity.fixedCosts.map((c) => ({ what: c.what, usd: c.usd, computeSeconds: c.computeSeconds })),
    batch: identity.batch ?? false,
    ...failureFacts(categorizeFailures(task.outputKind, scored, rows, metrics.find((m) => m.name === task.primaryMetric))),
  };
}

/** How many rows failed with each error code (absent when none did). */
function failedByCode(rows: PredictionRow[]): Pick<RungSummary, 'failedByCode'> {
  const counts: Record<string, number> = {};
  for (const r of rows) if (r.error) counts[r.error.code] = (counts[r.error.code] ?? 0) + 1;
  return Object.keys(counts).length ? { failedByCode: counts } : {};
}

/** Mean side usage per request, per model, over the same rows (and the same n) as usagePerRequest. */
function sideUsageFacts(predictions: Prediction[], n: number): Pick<RungSummary, 'sideUsagePerRequest'> {
  const totals = new Map<string, Usage>();
  for (const p of predictions) for (const s of sideUsageOf(p)) totals.set(s.model, addUsage(totals.get(s.model) ?? emptyUsage(), s.usage));
  if (totals.size === 0) return {};
  return {
    sideUsagePerRequest: [...totals].map(([model, u]) => ({
      model,
      usage: { inputTokens: u.inputTokens / n, cachedInputTokens: u.cachedInputTokens / n, cacheWriteTokens: u.cacheWriteTokens / n, outputTokens: u.outputTokens / n },
    })),
  };
}

function failureFacts(f: FailureCategories): Pick<RungSummary, 'failures' | 'failureExamples'> {
  return { failures: f.counts, failureExamples: f.examples };
}

/** Paired bootstrap of every rung against the first one (the baseline, usually zero-shot) on one metric, on the examples both evaluated. */
export function compareRungs(task: Task, metric: Metric, rowsByRung: Map<string, PredictionRow[]>, seed = 12345): PairedComparison[] {
  const ids = [...rowsByRung.keys()];
  if (ids.length < 2) return [];
  const baseline = ids[0];
  return ids.slice(1).map((id) => {
    // Pairs only the examples both rungs evaluated (a sequential run stops rungs at different points).
    const has = (rungId: string) => new Set(rowsByRung.get(rungId)!.map((r) => r.exampleId));
    const inA = has(baseline);
    const inB = has(id);
    const common = { ...task, test: task.test.filter((e) => inA.has(e.id) && inB.has(e.id)) };
    const a = toScoredRows(common, rowsByRung.get(baseline)!);
    const b = toScoredRows(common, rowsByRung.get(id)!);
    const difference = pairedBootstrap(a.length, resampled(metric, a), resampled(metric, b), { seed });
    return { metric: metric.name, a: baseline, b: id, difference, significant: difference.low > 0 || difference.high < 0 };
  });
}

/**
 * The metric on a resample of the rows (by index). A per-example metric scores each row once and averages the
 * resample's scores — the same sum in the same order as aggregateMetric, so the same numbers — instead of
 * re-scoring and copying every row on each of the 1,000 resamples (visible at the end of a 2,000-row run); an
 * aggregate metric with `aggregateByIndex` (macro-F1) likewise reads the rows once.
 */
function resampled(metric: Metric, rows: ScoredRow[]): (indices: number[]) => number {
  if (metric.aggregate && metric.aggregateByIndex) return metric.aggregateByIndex(rows);
  if (metric.aggregate || !metric.score) return (idx) => aggregateMetric(metric, idx.map((i) => rows[i]));
  const scores = Float64Array.from(rows, (row) => metric.score!(row));
  return (idx) => {
    if (idx.length === 0) return 0;
    let sum = 0;
    for (let k = 0; k < idx.length; k++) sum += scores[idx[k]];
    return sum / idx.length;
  };
}
