import { fmtUsd } from '../../advisor/format.js';
import type { Recommendation, RungVerdict } from '../../advisor/types.js';

/** One cell per rung: each target met (✓), missed (✗) or not yet known (?: undecided on the data), as the advisor checked it. */
export function verdictText(v: RungVerdict | undefined): string {
  if (!v) return 'not analysed';
  const checks = v.checks.map((c) => `${c.pass ? '✓' : c.undecided ? '?' : '✗'} ${c.target}`).join(' ');
  return `${checks || 'no targets'}${v.trainingGate && !v.trainingGate.pass ? ' ✗ training gate' : ''}`;
}

/** The economics endpoint's answer: what the slider changes on the run page. */
export function economicsJson(recommendation: Recommendation, volume: number, costs: { rungs: { rungId: string; monthlyUsd?: number; costPer1kUsd?: number }[] }) {
  return {
    volume,
    pick: recommendation.rungId ?? null,
    status: recommendation.status,
    reasons: recommendation.reasons,
    rungs: costs.rungs.map((c) => {
      const v = recommendation.verdicts.find((x) => x.rungId === c.rungId);
      // Formatted here, as the page first rendered them, so a moved slider shows numbers in the same format.
      return { rungId: c.rungId, monthlyUsd: c.monthlyUsd ?? null, costPer1kUsd: c.costPer1kUsd ?? null, monthly: fmtUsd(c.monthlyUsd), per1k: fmtUsd(c.costPer1kUsd), verdict: verdictText(v), eligible: v?.eligible ?? false };
    }),
  };
}
