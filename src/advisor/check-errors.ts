import { wilsonUpper } from '../stats/binomial.js';
import { pct } from './describe-failures.js';
import type { AdvisorSummary, TargetCheck } from './types.js';

/** Share of calls that may fail when the spec sets none (targets.max_error_rate's default). */
export const DEFAULT_MAX_ERROR_RATE = 0.02;

/** Calls a rung made and how many of them failed (errors, timeouts): what "failed" is judged on. */
export function callCounts(summary: Pick<AdvisorSummary, 'examples' | 'failed'>): { calls: number; failed: number; succeeded: number } {
  // A rung evaluated until decided ran only part of the split: its decision says how many rows (when present).
  const used = (summary as { decision?: { examplesUsed?: number } }).decision?.examplesUsed;
  const calls = Math.max(0, used ?? summary.examples);
  const failed = Math.min(calls, Math.max(0, summary.failed));
  return { calls, failed, succeeded: calls - failed };
}

/**
 * A failed rung is never recommended: its error rate must not pass max_error_rate (a rung whose answers are
 * mostly errors measured the provider, not the task), and a rung with no successful call cannot qualify at all.
 * The check is always present, target or not: a broken endpoint must not come out as "meets every target".
 */
export function checkErrors(summary: Pick<AdvisorSummary, 'examples' | 'failed' | 'failedByCode'>, maxErrorRate = DEFAULT_MAX_ERROR_RATE): TargetCheck {
  const { calls, failed, succeeded } = callCounts(summary);
  const rate = calls > 0 ? failed / calls : 1;
  const kinds = failureKinds(summary.failedByCode);
  if (succeeded === 0) {
    return { target: 'errors', pass: false, actual: rate, required: maxErrorRate, shortfall: 1, message: `no successful call (${failed} of ${calls} failed${kinds}): the rung was not measured` };
  }
  const pass = rate <= maxErrorRate;
  // A pass on few calls (a pilot stops once quality is settled, ~14 rows) does not show the rate is under the bar;
  // the pick stands (proving ≤ 2% from zero failures takes ~150 calls), but the reason says how far it is shown.
  const upper = wilsonUpper(failed, calls);
  const caveat = pass && upper > maxErrorRate ? `; not yet shown on ${calls} calls: the rate could be up to ${pct(upper)} (95% upper bound)` : '';
  return {
    target: 'errors', pass, actual: rate, required: maxErrorRate,
    shortfall: pass ? 0 : Math.min(1, (rate - maxErrorRate) / Math.max(1 - maxErrorRate, 1e-9)),
    message: `error rate ${pct(rate)} (${failed} of ${calls} calls failed${kinds}) ${pass ? '≤' : '>'} ${pct(maxErrorRate)} allowed${caveat}`,
  };
}

/**
 * ": HTTP_5XX 3, BAD_RESPONSE 2", most frequent first: provider faults (429s past the retries, 5xx, cut answers)
 * call for retries or another provider, ANSWER_TOO_LONG or TRUNCATED for max_tokens, CONTEXT_OVERFLOW for a
 * bigger context — the count alone does not say which. Empty for a summary without the breakdown (older runs).
 */
function failureKinds(byCode: Record<string, number> | undefined): string {
  const entries = Object.entries(byCode ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return '';
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return `: ${entries.map(([code, n]) => `${code} ${n}`).join(', ')}`;
}
