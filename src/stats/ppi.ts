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

/**
 * PPI++ when the labelled examples were drawn with known, unequal probabilities (active inference: Zrnic &
 * Candès 2024, "Active Statistical Inference", arXiv 2403.03208). Each example i was labelled with probability
 * π_i, independently (Poisson sampling), e.g. more often where the judge looked unsure. Weighting each
 * labelled residual by 1/π_i (Horvitz–Thompson) keeps the estimate unbiased whatever the π_i were:
 *
 *   z_i(λ) = λ·f_i + (ξ_i/π_i)·(y_i − λ·f_i),   θ̂ = mean(z),   se = sd(z)/√N
 *
 * over all N examples (ξ_i = 1 when labelled). λ minimizes Var(z), clipped to [0, 1] as in ppiMean; λ = 0 is
 * the inverse-probability-weighted mean of the labels alone. Labels chosen "least sure first" without their
 * probabilities are not a sample: only this form (or a uniform sample) makes them an estimate.
 */
export interface ActivePpiItem {
  /** The judge's score of this example. */
  f: number;
  /** The trusted label, when this example was drawn for labelling. */
  y?: number;
  /** Its probability of being drawn, in (0, 1]; required when `y` is given. */
  pi?: number;
}

export function activePpiMean(items: readonly ActivePpiItem[], options: PpiOptions = {}): PpiEstimate {
  const labelled = items.filter((it) => it.y !== undefined);
  const n = labelled.length;
  if (n < 2) throw new RangeError(`active PPI needs at least 2 labelled examples, got ${n}`);
  for (const it of labelled) {
    if (!(it.pi !== undefined && it.pi > 0 && it.pi <= 1)) throw new RangeError(`a labelled example needs its inclusion probability in (0, 1], got ${it.pi}`);
  }
  const z = zFor(options.confidence ?? 0.95);
  // z(λ) = a + λ·b with a = ξy/π and b = f·(1 − ξ/π): Var(a + λb) is smallest at λ = −Cov(a, b)/Var(b).
  const a = items.map((it) => (it.y === undefined ? 0 : it.y / it.pi!));
  const b = items.map((it) => (it.y === undefined ? it.f : it.f * (1 - 1 / it.pi!)));
  const varB = variance(b);
  const lambda = options.lambda ?? (varB > 0 ? clamp(-covariance(a, b) / varB, 0, 1) : 0);
  const terms = a.map((ai, i) => ai + lambda * b[i]);
  return withInterval(mean(terms), Math.sqrt(variance(terms) / terms.length), z, { lambda, n, N: items.length - n });
}

/**
 * Inclusion probabilities for drawing about `n` of these examples to label, more often where `weights` (e.g.
 * the judge's uncertainty) are high: π_i ∝ (1 − uniformShare)·w_i/mean(w) + uniformShare, scaled so Σπ = n,
 * any π over 1 capped at 1 and the rest rescaled. The uniform share keeps every π away from 0, which bounds
 * the 1/π weights (and so the variance) when the weights are wrong.
 */
export function inclusionProbabilities(weights: readonly number[], n: number, uniformShare = 0.3): number[] {
  const N = weights.length;
  if (N === 0) return [];
  if (n >= N) return weights.map(() => 1);
  const m = mean(weights.map((w) => Math.max(0, w)));
  const raw = weights.map((w) => (m > 0 ? (1 - uniformShare) * (Math.max(0, w) / m) + uniformShare : 1));
  const pi = new Array<number>(N).fill(0);
  const capped = new Set<number>();
  // Scale the uncapped ones to the remaining budget until none exceeds 1 (at most N rounds).
  for (let round = 0; round < N; round++) {
    const budget = n - capped.size;
    const free = raw.reduce((s, r, i) => (capped.has(i) ? s : s + r), 0);
    let changed = false;
    for (let i = 0; i < N; i++) {
      if (capped.has(i)) continue;
      pi[i] = (raw[i] * budget) / free;
      if (pi[i] >= 1) {
        pi[i] = 1;
        capped.add(i);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return pi;
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
