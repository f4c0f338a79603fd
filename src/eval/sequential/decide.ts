import type { QualityDecision, RungDecision } from '../../core/results.js';
import { TRAINING_LEVEL } from '../../advisor/training-gate.js';

export interface Interval {
  low: number;
  high: number;
}

/**
 * Where an interval stands against a threshold: wholly at or above it → meets, wholly below → misses, else
 * undecided. Same convention as the advisor's quality check (lower bound ≥ min_quality passes).
 */
export function decideAgainst(interval: Interval, threshold: number | undefined): QualityDecision {
  if (threshold === undefined) return 'no-target';
  if (interval.low >= threshold) return 'meets';
  if (interval.high < threshold) return 'misses';
  return 'undecided';
}

/**
 * About how many more labelled examples would settle an undecided rung if the observed effect held.
 *
 * An interval's half-width shrinks like 1/√n. With half-width h (on the side facing the threshold) after n
 * examples and observed effect δ = |point − threshold|, the interval clears the threshold once
 * h·√(n/n′) < δ, i.e. n′ > n·(h/δ)²; the answer is n′ − n, rounded up. Undefined when δ = 0 (no number of
 * examples settles a point sitting on the threshold). It is an estimate at the observed effect, not a promise.
 */
export function moreExamplesToSettle(point: number, interval: Interval, threshold: number, n: number): number | undefined {
  const effect = Math.abs(point - threshold);
  if (effect === 0 || n <= 0) return undefined;
  const halfWidth = point >= threshold ? point - interval.low : interval.high - point;
  if (halfWidth <= effect) return 0;
  return Math.max(1, Math.ceil(n * (halfWidth / effect) ** 2) - n);
}

/**
 * The ladder's pick is settled when, in ladder order (each rung up is more effort and usually more cost), one
 * rung meets the quality target and every rung below it misses: the rungs above that cannot undercut it
 * (cannotUndercutPick) cannot become the cheapest rung that clears the bar. `meetsOtherTargets` says whether the candidate also clears the non-quality targets
 * (undefined = unknown, which does not settle). Returns the pick's index, or -1.
 */
export function settledPick(decisions: (RungDecision | undefined)[], meetsOtherTargets: (index: number) => boolean | undefined): number {
  for (const [i, d] of decisions.entries()) {
    if (d?.decision === 'meets') return meetsOtherTargets(i) === true ? i : -1;
    if (d?.decision !== 'misses') return -1;
  }
  return -1;
}

/**
 * Whether a rung above a settled pick (one meeting every target) can be skipped because it cannot be the
 * cheapest rung that clears the bar: a training rung above a prompted pick (a prompted rung meeting every target
 * closes the training gates), or a rung on the pick's own model a level higher (the ladder climbs by adding to
 * the prompt: demonstrations, retrieved context — the ladder's "stop there"). A rung on another model, or on the
 * pick's model at its own level (another grid point: few-shot k 2 after k 8), may be the cheaper one — the advisor
 * picks by cost, not by position in the spec — so it is evaluated.
 */
export function cannotUndercutPick(pick: { level: number; model: string }, rung: { level: number; model: string }): boolean {
  if (pick.level < TRAINING_LEVEL && rung.level >= TRAINING_LEVEL) return true;
  return rung.model === pick.model && rung.level > pick.level;
}
