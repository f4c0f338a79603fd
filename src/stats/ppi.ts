import type { Estimate } from '../core/results.js';
import { zFor } from './normal.js';

/**
 * Prediction-powered inference for a mean (PPI++: Angelopoulos, Duchi & Zrnic 2023; for model evaluation,
 * Boyeau et al. 2024, "AutoEval Done Right", arXiv 2403.07008).
 *
 * A judge scores every example (f); a trusted source labels a few (y). The judge alone is cheap but biased;
 * the labels alone are unbiased but few. PPI++ estimates the mean of y as
 *
 *   θ̂(λ) = mean_lab(y) + λ · (mean_unlab(f) − mean_lab(f))
 *
 * which is unbiased for every λ (the correction term has expectation zero when labelled examples are a
 * random subset), with variance  λ²·Var(f)/N + Var(y − λf)/n.  The power-tuned λ that minimizes it is
 * Cov(y, f) / ((1 + n/N)·Var(f)), clipped to [0, 1]: λ = 0 is the labelled-only estimate (a useless judge
 * costs nothing), λ = 1 is classic PPI. The interval is the normal (CLT) one, as in both papers.
 */
export interface PpiInput {
  /** Trusted label and judge score of each labelled example. */
  labelled: { y: number; f: number }[];
  /** Judge scores of the examples without a label (disjoint from the labelled ones). */
  unlabelled: number[];
}

export interface PpiEstimate extends Estimate {
  /** The power-tuning weight actually used. */
  lambda: number;
  n: number;
  N: number;
  /** Standard error of the estimate. */
  se: number;
}

export interface PpiOptions {
  confidence?: number;
  /** Fix λ instead of power-tuning it (1 = classic PPI, 0 = labelled only). */
  lambda?: number;
}

export function ppiMean(input: PpiInput, options: PpiOptions = {}): PpiEstimate {
  const n = input.labelled.length;
  const N = input.unlabelled.length;
  if (n < 2) throw new RangeError(`PPI needs at least 2 labelled examples, got ${n}`);
  const z = zFor(options.confidence ?? 0.95);
  const y = input.labelled.map((r) => r.y);
  const fLab = input.labelled.map((r) => r.f);
  if (N === 0) return withInterval(mean(y), Math.sqrt(variance(y) / n), z, { lambda: 0, n, N });
  const fAll = [...fLab, ...input.unlabelled];
  const varF = variance(fAll);
  const lambda = options.lambda ?? (varF > 0 ? clamp(covariance(y, fLab) / ((1 + n / N) * varF), 0, 1) : 0);
  const value = mean(y) + lambda * (mean(input.unlabelled) - mean(fLab));
  const residual = y.map((yi, i) => yi - lambda * fLab[i]);
  const se = Math.sqrt((lambda * lambda * variance(input.unlabelled)) / N + variance(residual) / n);
  return withInterval(value, se, z, { lambda, n, N });
}

/** The classical interval from the labels alone (what PPI++ must beat). */
export function labelledOnlyMean(y: number[], confidence = 0.95): PpiEstimate {
  if (y.length < 2) throw new RangeError(`need at least 2 labels, got ${y.length}`);
  return withInterval(mean(y), Math.sqrt(variance(y) / y.length), zFor(confidence), { lambda: 0, n: y.length, N: 0 });
}

/** The judge alone over every example: precise, and biased by however wrong the judge is. */
export function naiveMean(f: number[], confidence = 0.95): PpiEstimate {
  if (f.length < 2) throw new RangeError(`need at least 2 judge scores, got ${f.length}`);
  return withInterval(mean(f), Math.sqrt(variance(f) / f.length), zFor(confidence), { lambda: 1, n: 0, N: f.length });
}

function withInterval(value: number, se: number, z: number, rest: { lambda: number; n: number; N: number }): PpiEstimate {
  return { value, low: value - z * se, high: value + z * se, se, ...rest };
}

export function mean(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return x.length ? s / x.length : 0;
}

/** Sample variance (n − 1). */
export function variance(x: readonly number[]): number {
  return covariance(x, x);
}

export function covariance(x: readonly number[], y: readonly number[]): number {
  if (x.length < 2) return 0;
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (x.length - 1);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
