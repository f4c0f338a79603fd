import type { Estimate } from '../core/results.js';
import { fmtNum } from './format.js';
import { describeShortfall } from './recommend.js';
import type { Recommendation } from './types.js';

/** A previous run's quality to hold the line against (e.g. the main branch's last accepted run). */
export interface GateBaseline {
  metric: string;
  estimate: Estimate;
  runId?: string;
}

/**
 * `ladder run --gate`: passes when a rung is recommended, it meets every target, and (with a baseline) its
 * quality on the baseline's metric has not fallen below the baseline by more than the baseline's CI
 * half-width ((high − low) / 2). The CLI exits 1 when `pass` is false.
 */
export function gate(recommendation: Recommendation, baseline?: GateBaseline): { pass: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (recommendation.status !== 'recommended' || !recommendation.rungId) {
    const c = recommendation.closest;
    return { pass: false, reasons: [`no rung meets every target${c ? `; closest ${c.rungId} ${describeShortfall(c)}` : ''}`] };
  }
  const verdict = recommendation.verdicts.find((v) => v.rungId === recommendation.rungId)!;
  let pass = true;
  for (const c of verdict.checks) {
    if (!c.pass) pass = false;
    reasons.push(`${c.pass ? 'ok' : 'MISS'}: ${c.message}`);
  }
  if (baseline) {
    const now = verdict.metrics[baseline.metric];
    const allowed = (baseline.estimate.high - baseline.estimate.low) / 2;
    const where = baseline.runId ? ` (run ${baseline.runId})` : '';
    if (!now) {
      pass = false;
      reasons.push(`MISS: ${baseline.metric} not measured on ${verdict.rungId}, baseline${where} has ${fmtNum(baseline.estimate.value)}`);
    } else {
      const drop = baseline.estimate.value - now.value;
      const ok = drop <= allowed;
      if (!ok) pass = false;
      reasons.push(`${ok ? 'ok' : 'MISS'}: ${baseline.metric} ${fmtNum(now.value)} vs baseline${where} ${fmtNum(baseline.estimate.value)} (drop ${fmtNum(drop)} ${ok ? '≤' : '>'} CI half-width ${fmtNum(allowed)})`);
    }
  }
  return { pass, reasons };
}
