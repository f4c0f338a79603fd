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
  if (targets.p95LatencyMs !== undefined) {
    const actual = summary.latencyMs.p95;
    const required = targets.p95LatencyMs;
    const pass = actual <= required;
    checks.push({
      target: 'latency', pass, actual, required,
      shortfall: pass ? 0 : (actual - required) / Math.max(required, 1e-9),
      message: `p95 latency ${fmtMs(actual)} ${pass ? '≤' : '>'} ${fmtMs(required)}`,
    });
  }
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
