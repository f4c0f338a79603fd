import type { Estimate } from '../core/results.js';
import { seededRandom } from '../task/data-files.js';

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Two-sided coverage, 0.95 by default. */
  confidence?: number;
}

/**
 * Percentile bootstrap CI of a statistic over n items: resample indices with replacement, recompute, take the
 * (1-c)/2 and (1+c)/2 quantiles. The statistic receives indices so corpus-level metrics (macro-F1) work too.
 */
export function bootstrap(n: number, statistic: (indices: number[]) => number, options: BootstrapOptions = {}): Estimate {
  return bootstrapEach(n, [statistic], options)[0];
}

/**
 * `bootstrap` of several statistics over the same n items, each on the same resamples: the same estimates as one
 * `bootstrap` call per statistic with the same seed, drawing the resamples once instead of once per statistic
 * (a rung's summary bootstraps every metric of 2,000 rows 1,000 times).
 */
export function bootstrapEach(n: number, statistics: ((indices: number[]) => number)[], options: BootstrapOptions = {}): Estimate[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const estimates = statistics.map((statistic) => {
    const value = n === 0 ? 0 : statistic(all);
    return { value, low: value, high: value };
  });
  if (n < 2) return estimates;
  const resamples = options.resamples ?? 1000;
  const random = seededRandom(options.seed ?? 12345);
  const values = statistics.map(() => new Float64Array(resamples));
  // Filled, not holey: V8 keeps it a packed array of small integers, which the statistics read faster.
  const indices = new Array<number>(n).fill(0);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    for (let s = 0; s < statistics.length; s++) values[s][r] = statistics[s](indices);
  }
  const alpha = (1 - (options.confidence ?? 0.95)) / 2;
  return estimates.map(({ value }, s) => {
    const sorted = values[s].sort();
    return { value, low: quantile(sorted, alpha), high: quantile(sorted, 1 - alpha) };
  });
}

/** Mean of per-item scores with its bootstrap CI. */
export function bootstrapMean(scores: ArrayLike<number>, options?: BootstrapOptions): Estimate {
  return bootstrap(scores.length, (idx) => mean(idx.map((i) => scores[i])), options);
}

/**
 * Paired bootstrap of B − A on the same items: both statistics see the same resampled indices, so the
 * interval reflects the per-example correlation (much tighter than two independent intervals).
 */
export function pairedBootstrap(n: number, statisticA: (indices: number[]) => number, statisticB: (indices: number[]) => number, options?: BootstrapOptions): Estimate {
  return bootstrap(n, (idx) => statisticB(idx) - statisticA(idx), options);
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
