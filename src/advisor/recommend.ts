import type { RungCost } from '../economics/cost-analysis.js';
import { checkTargets } from './check-targets.js';
import { describeFailures } from './describe-failures.js';
import { judgeCaveats } from './judge-caveats.js';
import { fmtNum, fmtUsd, fmtVolume } from './format.js';
import { TRAINING_LEVEL, trainingGate } from './training-gate.js';
import type { Recommendation, RecommendInput, RungVerdict } from './types.js';

/**
 * The cheapest rung at the task's monthly volume that meets every target; ties on cost (within
 * tieRelative / tieAbsoluteUsd) go to the lower rung. Trained rungs must also pass the fine-tuning gate.
 * When nothing qualifies, names the closest rung (smallest sum of normalized shortfalls) and what its
 * failures look like. Every reason quotes its numbers.
 */
export function recommend(input: RecommendInput): Recommendation {
  const recommendation = recommendUnannotated(input);
  recommendation.reasons.push(...judgeCaveats(input.summaries, input.task.primaryMetric));
  return recommendation;
}

function recommendUnannotated(input: RecommendInput): Recommendation {
  const { summaries, task, costs } = input;
  const options = input.options ?? {};
  const basis = options.qualityBasis ?? 'lower-bound';
  const costById = new Map<string, RungCost>(costs.rungs.map((r) => [r.rungId, r]));
  const base = {
    task: { name: task.name, primaryMetric: task.primaryMetric, volume: costs.volume, targets: task.targets },
    qualityBasis: basis,
    tiedWith: [] as string[],
  };
  if (summaries.length === 0) return { ...base, status: 'no-rungs', reasons: ['no rung was measured'], verdicts: [] };

  const verdicts: RungVerdict[] = summaries.map((s) => {
    const cost = costById.get(s.rungId);
    const checks = checkTargets(s, cost, task.targets, task.primaryMetric, basis);
    const meetsTargets = checks.every((c) => c.pass);
    return {
      rungId: s.rungId, kind: s.kind, level: s.level, modelRef: s.modelRef, hosting: s.hosting,
      meetsTargets, eligible: meetsTargets, checks,
      quality: s.metrics[task.primaryMetric], metrics: s.metrics,
      monthlyUsd: cost?.monthlyUsd, costPer1kUsd: cost?.costPer1kUsd,
      shortfall: checks.reduce((a, c) => a + c.shortfall, 0),
      failureSummary: describeFailures(s.failures, s.examples),
    };
  });
  const prompted = summaries.flatMap((s, i) => (s.level < TRAINING_LEVEL ? [{ summary: s, verdict: verdicts[i] }] : []));
  summaries.forEach((s, i) => {
    if (s.level < TRAINING_LEVEL) return;
    const g = trainingGate(s, prompted, task.train.length, options);
    verdicts[i].trainingGate = g;
    verdicts[i].eligible = verdicts[i].meetsTargets && g.pass;
  });

  const vol = fmtVolume(costs.volume);
  const eligible = verdicts.filter((v) => v.eligible).sort(byCostThenLevel);
  if (eligible.length === 0) return noneQualifies(base, verdicts, vol);

  const cheapest = eligible[0];
  const tied = eligible.filter((v) => v !== cheapest && isTie(cheapest, v, options));
  const pick = [cheapest, ...tied].sort((a, b) => a.level - b.level || (b.quality?.value ?? 0) - (a.quality?.value ?? 0))[0];
  const reasons: string[] = [
    `${pick.rungId} (level ${pick.level}, ${pick.modelRef}) meets every target at ${vol} requests/month: ${pick.checks.map((c) => c.message).join('; ') || 'no targets set'}.`,
    `It costs ${fmtUsd(pick.monthlyUsd)}/month (${fmtUsd(pick.costPer1kUsd)} per 1k requests, all-in).`,
  ];
  if (tied.length > 0) {
    const others = [cheapest, ...tied].filter((v) => v !== pick);
    reasons.push(`Tie on cost with ${others.map((v) => `${v.rungId} (${fmtUsd(v.monthlyUsd)}/month, level ${v.level})`).join(', ')}: the lower rung wins.`);
  }
  const runnerUp = eligible.find((v) => v !== pick && !tied.includes(v) && v !== cheapest);
  if (runnerUp && pick.monthlyUsd !== undefined && runnerUp.monthlyUsd !== undefined) {
    reasons.push(`Next cheapest that also qualifies: ${runnerUp.rungId} at ${fmtUsd(runnerUp.monthlyUsd)}/month (${fmtUsd(runnerUp.monthlyUsd - pick.monthlyUsd)} more).`);
  }
  for (const v of verdicts) {
    if (v.eligible || v.monthlyUsd === undefined || pick.monthlyUsd === undefined || v.monthlyUsd >= pick.monthlyUsd) continue;
    const why = v.meetsTargets ? `fine-tuning gate closed: ${v.trainingGate?.blockers.join('; ')}` : v.checks.filter((c) => !c.pass).map((c) => c.message).join('; ');
    reasons.push(`${v.rungId} is cheaper (${fmtUsd(v.monthlyUsd)}/month) but not eligible: ${why}.`);
  }
  if (pick.level >= TRAINING_LEVEL && pick.trainingGate) reasons.push(`Fine-tuning gate open: ${pick.trainingGate.reasons.join('; ')}.`);
  if (pick.monthlyUsd === undefined) reasons.push('Its price is unknown: set models[].price in ladder.yaml to compare its cost.');
  for (const be of costs.breakEvens) {
    if ((be.a !== pick.rungId && be.b !== pick.rungId) || be.volume === undefined) continue;
    const other = be.a === pick.rungId ? be.b : be.a;
    const ov = verdicts.find((v) => v.rungId === other);
    if (!ov?.eligible) continue;
    reasons.push(`Break-even with ${other} at ${fmtVolume(be.volume)} requests/month: ${be.cheaperAtLowVolume === pick.rungId ? `above it ${other}` : `below it ${other}`} is cheaper.`);
  }
  return { ...base, status: 'recommended', rungId: pick.rungId, tiedWith: [cheapest, ...tied].filter((v) => v !== pick).map((v) => v.rungId), reasons, verdicts };
}

function byCostThenLevel(a: RungVerdict, b: RungVerdict): number {
  const ca = a.monthlyUsd ?? Number.POSITIVE_INFINITY;
  const cb = b.monthlyUsd ?? Number.POSITIVE_INFINITY;
  return ca - cb || a.level - b.level;
}

function isTie(a: RungVerdict, b: RungVerdict, options: { tieRelative?: number; tieAbsoluteUsd?: number }): boolean {
  if (a.monthlyUsd === undefined || b.monthlyUsd === undefined) return a.monthlyUsd === b.monthlyUsd;
  const diff = Math.abs(a.monthlyUsd - b.monthlyUsd);
  return diff <= (options.tieAbsoluteUsd ?? 0.01) || diff <= (options.tieRelative ?? 0.01) * Math.min(a.monthlyUsd, b.monthlyUsd);
}

function noneQualifies(base: Omit<Recommendation, 'status' | 'reasons' | 'verdicts'>, verdicts: RungVerdict[], vol: string): Recommendation {
  const closest = [...verdicts].sort((a, b) => a.shortfall - b.shortfall || a.level - b.level)[0];
  const misses = closest.checks.filter((c) => !c.pass).map((c) => c.message);
  if (closest.meetsTargets && closest.trainingGate && !closest.trainingGate.pass) misses.push(`fine-tuning gate closed (${closest.trainingGate.blockers.join('; ')})`);
  const reasons = [
    `No rung meets every target at ${vol} requests/month.`,
    `Closest: ${closest.rungId} (level ${closest.level}, normalized shortfall ${fmtNum(closest.shortfall)}): ${misses.join('; ')}.`,
  ];
  if (closest.failureSummary.length > 0) reasons.push(`${closest.rungId} failures: ${closest.failureSummary.join('; ')}.`);
  for (const v of verdicts) {
    if (v === closest) continue;
    const miss = v.checks.filter((c) => !c.pass).map((c) => c.message);
    if (v.meetsTargets && v.trainingGate && !v.trainingGate.pass) miss.push(`fine-tuning gate closed (${v.trainingGate.blockers.join('; ')})`);
    reasons.push(`${v.rungId} misses: ${miss.join('; ')}${v.failureSummary.length ? ` — failures: ${v.failureSummary.join('; ')}` : ''}.`);
  }
  return { ...base, status: 'none-qualifies', closest: { rungId: closest.rungId, shortfall: closest.shortfall, misses }, reasons, verdicts };
}
