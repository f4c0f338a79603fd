import type { RungSummary } from '../core/results.js';
import { fmtNum } from './format.js';

/**
 * "Undecided" is an answer of its own: for every rung whose quality interval still contains min_quality, which
 * rung, its interval and which interval that is, and about how many more labelled examples would settle it
 * at the observed effect (see moreExamplesToSettle for the formula).
 */
export function undecidedReasons(summaries: Pick<RungSummary, 'rungId' | 'metrics' | 'decision'>[]): string[] {
  return summaries.flatMap((s) => {
    const d = s.decision;
    if (d?.decision !== 'undecided' || d.threshold === undefined) return [];
    const point = s.metrics[d.metric]?.value;
    const source = d.decidedBy === 'confidence-sequence' ? `anytime 95% sequence after ${d.examplesUsed} of ${d.examplesTotal} test rows` : `95% bootstrap CI over ${d.examplesUsed} test rows`;
    const effect = point === undefined ? '' : ` (${point >= d.threshold ? '+' : '−'}${fmtNum(Math.abs(point - d.threshold))})`;
    const more =
      d.moreExamplesToSettle === undefined ? 'no number of examples settles it at the observed effect (the estimate sits on the target)'
      : `about ${d.moreExamplesToSettle} more labelled examples would settle it at the observed effect${effect}`;
    return [`${s.rungId} is undecided, not failed: ${d.metric} ${point === undefined ? '' : `${fmtNum(point)} `}[${fmtNum(d.interval.low)}, ${fmtNum(d.interval.high)}] (${source}) contains the target ${fmtNum(d.threshold)}; ${more}.`];
  });
}
