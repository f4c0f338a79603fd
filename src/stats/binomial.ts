import { normalQuantile } from './normal.js';

/**
 * One-sided upper confidence bound of a proportion from `successes` of `trials` (Wilson score interval): the rate
 * the data cannot rule out at `confidence`. Wilson rather than the normal approximation because the interesting
 * case is few or no events in few trials (0 of 14 → 16%), where the normal interval collapses to zero width.
 */
export function wilsonUpper(successes: number, trials: number, confidence = 0.95): number {
  if (trials <= 0) return 1;
  const z = normalQuantile(confidence);
  const p = successes / trials;
  const z2 = z * z;
  const center = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.min(1, (center + margin) / (1 + z2 / trials));
}
