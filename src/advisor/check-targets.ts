import type { RungDecision } from '../core/results.js';
import type { Targets } from '../core/task.js';
import type { RungCost } from '../economics/cost-analysis.js';
import { fmtMs, fmtNum, fmtUsd } from './format.js';
import type { AdvisorSummary, TargetCheck } from './types.js';

/**
 * Checks one rung against every target. Quality is judged on the rung's decision when it has one (the
 * interval it was decided on, see RungDecision), else on the primary metric's CI lower bound, unless `basis`
 * is 'point'; cost is the all-in cost per 1k requests at the analysis volume; a cost target cannot be
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
    const decided = summary.decision;
    if (!est) {
      checks.push({ target: 'quality', pass: false, required, shortfall: 1, message: `${primaryMetric} was not measured` });
    } else if (basis === 'lower-bound' && decided && decided.threshold === required && decided.decision !== 'no-target') {
      checks.push(decisionCheck(decided, est.value, primaryMetric));
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
 * The quality check from a rung's decision: meets and misses as decided; undecided does not pass (the data do
 * not show the target is met) but says so, with the interval, instead of calling it a miss.
 */
function decisionCheck(d: RungDecision, point: number, metric: string): TargetCheck {
  const required = d.threshold!;
  const interval = `[${fmtNum(d.interval.low)}, ${fmtNum(d.interval.high)}]`;
  const source = d.decidedBy === 'confidence-sequence' ? `anytime 95% sequence after ${d.examplesUsed} of ${d.examplesTotal} test rows` : `95% bootstrap CI over ${d.examplesUsed} test rows`;
  const what = `${metric} ${fmtNum(point)} ${interval} (${source})`;
  if (d.decision === 'meets') return { target: 'quality', pass: true, actual: d.interval.low, required, shortfall: 0, message: `${what} wholly ≥ ${fmtNum(required)}` };
  if (d.decision === 'misses') {
    return { target: 'quality', pass: false, actual: d.interval.high, required, shortfall: (required - point) / Math.max(required, 1e-9), message: `${what} wholly < ${fmtNum(required)}` };
  }
  return {
    target: 'quality', pass: false, undecided: true, actual: point, required,
    shortfall: Math.max(0, required - point) / Math.max(required, 1e-9),
    message: `undecided: ${what} contains ${fmtNum(required)}`,
  };
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
