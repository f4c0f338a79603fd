import type { QualityDecision, RungDecision, RungSummary } from '../core/results.js';
import { decideAgainst, moreExamplesToSettle } from './sequential/decide.js';
import type { pairedSequence } from './sequential/evaluate-until-decided.js';

/** Mean cost per row of the rows that have one (undefined when none could be priced). */
export function meanCost(costs: (number | undefined)[]): number | undefined {
  const known = costs.filter((c): c is number => c !== undefined);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : undefined;
}

export function pairedWith(rungId: string, paired: ReturnType<typeof pairedSequence>): RungDecision['pairedBelow'] {
  return paired ? { rungId, ...paired } : undefined;
}

/**
 * The rung's decision: on the anytime-valid sequence when it settled before the split ran out; otherwise on
 * the bootstrap CI of every row — the sequence without replacement has shrunk to the split's own mean by then,
 * which says nothing about the traffic the split stands for, so the usual CI decides and may say undecided.
 */
export function rungDecision(input: {
  mode: 'sequential' | 'fixed';
  fallback?: string;
  metric: string;
  threshold?: number;
  summary: RungSummary;
  stop?: { used: number; sequence: { low: number; high: number }; margin: number; decision: string };
  total: number;
  /** Test rows the rung has stored, the decided prefix and any evaluated past it (paid for, so not saved). */
  evaluated: number;
  /** Judge-graded quality calibrated on this many trusted labels: what would settle it is more of them. */
  trustedLabels?: number;
  meanCostUsd?: number;
  pairedBelow?: RungDecision['pairedBelow'];
}): RungDecision {
  const { summary, stop, threshold, total } = input;
  const estimate = summary.metrics[input.metric];
  const used = stop ? stop.used : total;
  const bySequence = stop !== undefined && used < total && (stop.decision === 'meets' || stop.decision === 'misses');
  // The interval the sequence decided on: the sequence widened by the margin, as the stop rule reads it (the bare
  // sequence near the end of the split is about the split's own mean: [0.659, 0.689] for a rung whose CI is ±0.05).
  const interval = bySequence ? { low: Math.max(0, stop.sequence.low - stop.margin), high: Math.min(1, stop.sequence.high + stop.margin) } : { low: estimate.low, high: estimate.high };
  const decision = bySequence ? (stop.decision as QualityDecision) : decideAgainst(interval, threshold);
  const saved = total - Math.max(used, input.evaluated);
  return {
    mode: input.mode,
    ...(input.fallback ? { fallback: input.fallback } : {}),
    metric: input.metric,
    ...(threshold !== undefined ? { threshold } : {}),
    decision,
    decidedBy: bySequence ? 'confidence-sequence' : 'bootstrap',
    interval,
    ...(stop ? { sequence: stop.sequence, margin: stop.margin } : {}),
    examplesUsed: used,
    examplesTotal: total,
    savedExamples: saved,
    ...(input.meanCostUsd !== undefined ? { savedUsd: saved * input.meanCostUsd } : {}),
    ...(input.trustedLabels ? { trustedLabels: input.trustedLabels } : {}),
    ...(decision === 'undecided' && threshold !== undefined ? { moreExamplesToSettle: moreExamplesToSettle(estimate.value, interval, threshold, input.trustedLabels ?? used) } : {}),
    ...(input.pairedBelow ? { pairedBelow: input.pairedBelow } : {}),
  };
}
