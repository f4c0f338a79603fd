import type { RungDecision, RungSummary } from '../core/results.js';
import { fmtNum, intervalSource } from './format.js';

/**
 * More labelled examples than this many times the rows already used is not a practical way to settle a rung:
 * the estimate sits so close to the target that the decision is about the target, not about more data.
 */
const PRACTICAL_GROWTH = 10;

/**
 * "Undecided" is an answer of its own: for every rung whose quality interval still contains min_quality, which
 * rung, its interval and which interval that is, and what would settle it (see settleWith).
 */
export function undecidedReasons(summaries: Pick<RungSummary, 'rungId' | 'metrics' | 'decision'>[]): string[] {
  return summaries.flatMap((s) => {
    const d = s.decision;
    if (d?.decision !== 'undecided' || d.threshold === undefined) return [];
    const point = s.metrics[d.metric]?.value;
    const source = intervalSource(d);
    return [`${s.rungId} is undecided, not failed: ${d.metric} ${point === undefined ? '' : `${fmtNum(point)} `}[${fmtNum(d.interval.low)}, ${fmtNum(d.interval.high)}] (${source}) contains the target ${fmtNum(d.threshold)}; ${settleWith(d, point)}.`];
  });
}

/**
 * What would settle an undecided rung: about how many more labelled examples at the observed effect
 * (moreExamplesToSettle), or — when none would, or more than PRACTICAL_GROWTH times the rows used — that the
 * estimate sits on the target, so the choice is the bar's (a target a hair lower or higher) or a better rung.
 */
export function settleWith(d: Pick<RungDecision, 'moreExamplesToSettle' | 'examplesUsed' | 'threshold' | 'metric' | 'trustedLabels'>, point: number | undefined): string {
  const effect = point === undefined || d.threshold === undefined ? '' : ` (${point >= d.threshold ? '+' : '−'}${fmtNum(Math.abs(point - d.threshold))})`;
  const onTheBar = `decide whether min_quality ${d.threshold === undefined ? '' : `${fmtNum(d.threshold)} `}is the bar you need, or improve the rung`;
  // Judge-graded and calibrated: the trusted labels, not the test rows, set the interval's width.
  const labels = d.trustedLabels;
  const unit = labels === undefined ? 'labelled examples' : 'trusted labels';
  const base = labels ?? d.examplesUsed;
  if (d.moreExamplesToSettle === undefined) return `no number of examples settles it: the estimate sits on the target; ${onTheBar}`;
  if (d.moreExamplesToSettle > PRACTICAL_GROWTH * Math.max(1, base)) {
    return `the estimate is within ${fmtNum(Math.abs((point ?? 0) - (d.threshold ?? 0)))} of the target: settling it would take about ${d.moreExamplesToSettle} more ${unit}, over ${PRACTICAL_GROWTH}× the ${base} ${labels === undefined ? 'used' : 'given'}, so more data is not the way; ${onTheBar}`;
  }
  const why = labels === undefined ? '' : ': the labels, more than the test rows, set this interval';
  return `about ${d.moreExamplesToSettle} more ${unit} would settle it at the observed effect${effect}${why}`;
}
