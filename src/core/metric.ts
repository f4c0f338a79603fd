import type { Example, JsonValue, OutputKind } from './types.js';

/** One evaluated example as a metric sees it. A failed call has answer=null and failed=true (scored wrong). */
export interface ScoredRow {
  example: Example;
  answer: JsonValue;
  output: string;
  failed: boolean;
  /** Rung-specific facts of the prediction (retrieved doc ids, context tokens...), for retrieval metrics. */
  details?: { [key: string]: JsonValue };
}

/**
 * A metric turns rows into one number in [0, 1]. Per-example metrics give `score`, and the aggregate is the
 * mean; corpus-level metrics (macro-F1) give `aggregate` over the rows. Bootstrap resamples rows either way.
 */
export interface Metric {
  name: string;
  appliesTo: OutputKind[];
  description: string;
  score?(row: ScoredRow): number;
  aggregate?(rows: ScoredRow[]): number;
  /**
   * Optional with `aggregate`: reads what it needs from the rows once and returns the aggregate of a resample of
   * them by index, equal to `aggregate(indices.map((i) => rows[i]))`. The summary's bootstrap calls it on each of
   * 1,000 resamples; without it, each resample copies the rows and aggregates them from scratch.
   */
  aggregateByIndex?(rows: ScoredRow[]): (indices: ArrayLike<number>) => number;
  /**
   * Graded by a model (the task's `judge:`) in a judge phase that runs after the rung's predictions exist; the
   * verdict reaches `score` as `row.details.judgments[name]`, so scoring itself stays synchronous and pure.
   */
  modelGraded?: boolean;
  /**
   * Set on a figure that is not a quality in [0, 1] where higher is better (a token count): it is reported but
   * cannot be the first metric, which the advisor ranks on and min_quality is judged against. Says why.
   */
  notAQuality?: string;
}

export function aggregateMetric(metric: Metric, rows: ScoredRow[]): number {
  if (metric.aggregate) return metric.aggregate(rows);
  if (!metric.score) throw new Error(`metric ${metric.name} has neither score nor aggregate`);
  if (rows.length === 0) return 0;
  let sum = 0;
  for (const row of rows) sum += metric.score(row);
  return sum / rows.length;
}
