import type { Targets } from '../core/task.js';
import type { RungCost } from '../economics/cost-analysis.js';
import { fmtMs, fmtNum, fmtUsd } from './format.js';
import type { AdvisorSummary, TargetCheck } from './types.js';

/**
 * Checks one rung against every target. Quality is judged on the primary metric's CI lower bound unless
 * `basis` is 'point'; cost is the all-in cost per 1k requests at the analysis volume; a cost target cannot be
 * verified for an unpriced rung, which therefore misses it.
 */
export function checkTargets(
  summary: AdvisorSummary,
  cost: RungCost | undefined,
  targets: Targets,
  primaryMetric: string,
  basis: 'lower-bound' | 'point',
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (targets.minQuality !== undefined) {
    const est = summary.metrics[primaryMetric];
    const required = targets.minQuality;
    if (!est) {
      checks.push({ target: 'quality', pass: false, required, shortfall: 1, message: `${primaryMetric} was not measured` });
    } else {
      const actual = basis === 'point' ? est.value : est.low;
      const pass = actual >= required;
      const what = basis === 'point' ? `${primaryMetric} ${fmtNum(est.value)}` : `${primaryMetric} CI lower bound ${fmtNum(est.low)} (point ${fmtNum(est.value)})`;
      checks.push({
        target: 'quality', pass, actual, required,
        shortfall: pass ? 0 : (required - actual) / Math.max(required, 1e-9),
        message: `${what} ${pass ? '≥' : '<'} ${fmtNum(required)}`,
      });
    }
  }
  if (targets.p95LatencyMs !== undefined) checks.push(checkLatency(summary, targets.p95LatencyMs));
  if (targets.maxCostPer1kUsd !== undefined) {
    const required = targets.maxCostPer1kUsd;
    const actual = cost?.costPer1kUsd;
    if (actual === undefined) {
      checks.push({ target: 'cost', pass: false, required, shortfall: 1, message: `cost per 1k requests unknown (${cost?.unpricedReason ?? 'unpriced'}), target ${fmtUsd(required)}` });
    } else {
      const pass = actual <= required;
      checks.push({
        target: 'cost', pass, actual, required,
        shortfall: pass ? 0 : (actual - required) / Math.max(required, 1e-9),
        message: `${fmtUsd(actual)} per 1k requests ${pass ? '≤' : '>'} ${fmtUsd(required)}`,
      });
    }
  }
  if (targets.selfHostedOnly) {
    const pass = summary.hosting === 'local';
    checks.push({ target: 'selfHosted', pass, shortfall: pass ? 0 : 1, message: pass ? 'runs on own hardware' : `runs on a remote API (${summary.modelRef}), but the task requires self-hosting` });
  }
  return checks;
}

/**
 * Latency is judged as served (one request at a time, warm, uncached: summary.servedLatencyMs), not on the
 * evaluation's p95, which measures queueing under the pilot's own concurrency; the evaluation's p95 is quoted
 * beside it. A rung without a probe (batch, an old run) is judged on the evaluation's p95 and says so.
 */
export function checkLatency(summary: AdvisorSummary, required: number): TargetCheck {
  const served = summary.servedLatencyMs;
  const actual = served && served.requests > served.failed ? served.p95 : summary.latencyMs.p95;
  const pass = actual <= required;
  const what = served && served.requests > served.failed ? `served p95 latency ${fmtMs(actual)} (evaluation p95 ${fmtMs(summary.latencyMs.p95)})` : `p95 latency ${fmtMs(actual)} (during evaluation; not probed as served)`;
  return {
    target: 'latency', pass, actual, required,
    shortfall: pass ? 0 : (actual - required) / Math.max(required, 1e-9),
    message: `${what} ${pass ? '≤' : '>'} ${fmtMs(required)}`,
  };
}
