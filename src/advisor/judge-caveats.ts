import type { RungSummary } from '../core/results.js';
import { fmtNum } from './format.js';

/**
 * What the advisor must say when quality is model-graded (a pure function returning its reasons): without
 * trusted labels the judge's own verdicts are ranked on and may be biased; with them, the ranking uses the
 * PPI++ corrected quality, and the judge's agreement with the labels is quoted.
 */
export function judgeCaveats(summaries: Pick<RungSummary, 'rungId' | 'judge'>[], primaryMetric: string): string[] {
  const judged = summaries.filter((s) => s.judge);
  if (judged.length === 0 || (primaryMetric !== 'judge' && primaryMetric !== 'pairwise')) return [];
  const uncalibrated = judged.filter((s) => !s.judge!.calibrated);
  const reasons: string[] = [];
  if (uncalibrated.length > 0) {
    reasons.push(
      `Quality is judge-graded and uncalibrated for ${uncalibrated.map((s) => s.rungId).join(', ')} (${primaryMetric} by ${uncalibrated[0].judge!.modelRef}): the judge's bias is unknown. Label a few answers (ladder label-sample) and add labels: to correct it.`,
    );
  }
  for (const s of judged.filter((x) => x.judge!.calibrated)) {
    const j = s.judge!;
    reasons.push(
      `${s.rungId}: quality is judge-graded, calibrated on ${j.agreement!.n} trusted labels${j.corrected?.design === 'active' ? ' drawn actively (weighted by 1/π)' : ''} (κ ${fmtNum(j.agreement!.kappa)}): PPI++ ${fmtNum(j.corrected!.value)} [${fmtNum(j.corrected!.low)}, ${fmtNum(j.corrected!.high)}] vs the judge's own ${fmtNum(j.uncorrected.value)}.`,
    );
  }
  return reasons;
}
