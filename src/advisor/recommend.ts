import type { RungCost } from '../economics/cost-analysis.js';
import { checkErrors, callCounts } from './check-errors.js';
import { checkTargets } from './check-targets.js';
import { describeFailures, dominantFailure } from './describe-failures.js';
import { judgeCaveats } from './judge-caveats.js';
import { fmtNum, fmtUsd, fmtVolume } from './format.js';
import { TRAINING_LEVEL, trainingGate } from './training-gate.js';
import type { Recommendation, RecommendInput, RungVerdict } from './types.js';
import { checkBaseline } from './trivial-baseline.js';
import { undecidedReasons } from './undecided.js';

/**
 * The cheapest rung at the task's monthly volume that meets every target (without min_quality, also beats the
 * trivial baseline, a constant answer; with it, a pick at the baseline gets a caveat); ties on cost (within
 * tieRelative / tieAbsoluteUsd) go to the lower rung. Trained rungs must also pass their training gate. A rung
 * over max_error_rate misses a target, and one without a successful call is never eligible nor "closest".
 * When nothing qualifies, names the closest rung — quality shortfall first, other targets break ties, never a
 * rung at or below the trivial baseline while another beats it — and its dominant failure pattern. Every reason
 * quotes its numbers.
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
    // A rung that never answered was not measured (its error check says so): no baseline comparison for it.
    const baselineCheck = callCounts(s).succeeded > 0 ? checkBaseline(s.metrics[task.primaryMetric], task.primaryMetric, input.baseline, task.targets.minQuality) : undefined;
    const checks = [...checkTargets(s, cost, task.targets, task.primaryMetric, basis), checkErrors(s, task.targets.maxErrorRate), ...(baselineCheck ? [baselineCheck] : [])];
    const meetsTargets = checks.every((c) => c.pass);
    const quality = s.metrics[task.primaryMetric];
    const dominant = dominantFailure(s.failures, s.failureExamples, options.dominantFailureShare);
    return {
      rungId: s.rungId, kind: s.kind, level: s.level, modelRef: s.modelRef, hosting: s.hosting,
      meetsTargets, eligible: meetsTargets, checks,
      quality, metrics: s.metrics,
      monthlyUsd: cost?.monthlyUsd, costPer1kUsd: cost?.costPer1kUsd,
      shortfall: checks.reduce((a, c) => a + c.shortfall, 0),
      succeeded: callCounts(s).succeeded > 0,
      atOrBelowBaseline: input.baseline !== undefined && quality !== undefined && quality.value <= input.baseline.value,
      failureSummary: describeFailures(s.failures, s.examples),
      dominantFailure: dominant ? `${dominant.dominant ? 'dominant' : 'most common'} failure: ${dominant.text}` : undefined,
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
  if (eligible.length === 0) {
    const none = noneQualifies(base, verdicts, vol, input.baseline);
    return { ...none, reasons: [...none.reasons, ...undecidedReasons(summaries)] };
  }

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
    const short = shortOf(v);
    const why = v.meetsTargets ? `${gateName(v.level).toLowerCase()} gate closed: ${v.trainingGate?.blockers.join('; ')}` : [...short.misses, ...(short.unknown.length ? [`not yet known: ${short.unknown.join('; ')}`] : [])].join('; ');
    reasons.push(`${v.rungId} is cheaper (${fmtUsd(v.monthlyUsd)}/month) but not eligible: ${why}.`);
  }
  // Ranked after every priced rung, an unpriced one that qualifies may still be the cheaper: say so, never silently.
  if (pick.monthlyUsd !== undefined) {
    for (const v of eligible.filter((x) => x.monthlyUsd === undefined)) {
      reasons.push(`${v.rungId} also meets every target, but its cost is unknown (${costById.get(v.rungId)?.unpricedReason ?? 'unpriced'}): it may be cheaper; set models[].price in ladder.yaml to compare.`);
    }
  }
  if (pick.atOrBelowBaseline && input.baseline && pick.quality && pick.quality.value < 1) {
    reasons.push(`Caveat: ${pick.rungId}'s ${task.primaryMetric} ${fmtNum(pick.quality.value)} is no better than ${input.baseline.description} (${fmtNum(input.baseline.value)}), which would meet min_quality too: the rung learned nothing a constant answer does not do.`);
  }
  const bar = task.targets.minQuality;
  if (!pick.atOrBelowBaseline && input.baseline && bar !== undefined && bar <= input.baseline.value && input.baseline.value < 1) {
    // The pick beats the constant, but the bar does not ask it to: say so, since the team reads "meets min_quality" as "does the task".
    reasons.push(`Note: min_quality ${fmtNum(bar)} is met by ${input.baseline.description} (${fmtNum(input.baseline.value)}) too: meeting it does not show a rung does the task; raise min_quality above ${fmtNum(input.baseline.value)}${task.primaryMetric === 'field_accuracy' ? ', or rank on item_f1, which scores the items an answer finds and misses' : ''}.`);
  }
  if (pick.level >= TRAINING_LEVEL && pick.trainingGate) reasons.push(`${gateName(pick.level)} gate open: ${pick.trainingGate.reasons.join('; ')}.`);
  const capacity = costById.get(pick.rungId)?.capacity;
  if (capacity) reasons.push(capacitySentence(capacity, costs.volume));
  if (pick.monthlyUsd === undefined) reasons.push('Its price is unknown: set models[].price in ladder.yaml to compare its cost.');
  for (const be of costs.breakEvens) {
    if ((be.a !== pick.rungId && be.b !== pick.rungId) || be.volume === undefined) continue;
    const other = be.a === pick.rungId ? be.b : be.a;
    const ov = verdicts.find((v) => v.rungId === other);
    if (!ov?.eligible) continue;
    reasons.push(`Break-even with ${other} at ${fmtVolume(be.volume)} requests/month: ${be.cheaperAtLowVolume === pick.rungId ? `above it ${other}` : `below it ${other}`} is cheaper.`);
  }
  reasons.push(...undecidedReasons(summaries));
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

function gateName(level: number): string {
  return level > TRAINING_LEVEL ? 'Fine-tuning' : 'Distillation';
}

function capacitySentence(c: NonNullable<RungCost['capacity']>, volume: number): string {
  const rate = c.answersPerSecond >= 100 ? c.answersPerSecond.toFixed(0) : c.answersPerSecond >= 1 ? c.answersPerSecond.toFixed(1) : c.answersPerSecond.toPrecision(2);
  const need = c.machinesAtVolume <= 1 ? `${fmtVolume(volume)} requests/month use ${pctOf(c.machinesAtVolume)} of one box` : `${fmtVolume(volume)} requests/month need ${Math.ceil(c.machinesAtVolume)} boxes`;
  return `One ${c.machine} box serves ${fmtVolume(c.requestsPerMonthPerMachine)} requests/month at its capacity of ${rate} answers/s (${c.source === 'measured' ? 'measured during evaluation' : 'estimated from latency'}); ${need}.`;
}

function pctOf(x: number): string {
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 0.1 ? p.toFixed(1) : p.toPrecision(1)}%`;
}

/** What keeps a rung from qualifying, split into targets it is known to miss and those not yet known to be met. */
function shortOf(v: RungVerdict): { misses: string[]; unknown: string[] } {
  const misses = v.checks.filter((c) => !c.pass && !c.undecided).map((c) => c.message);
  const unknown = v.checks.filter((c) => !c.pass && c.undecided).map((c) => c.message);
  if (v.meetsTargets && v.trainingGate && !v.trainingGate.pass) misses.push(`${gateName(v.level).toLowerCase()} gate closed (${v.trainingGate.blockers.join('; ')})`);
  return { misses, unknown };
}

/** "misses: a; b; not yet known: c" — a target that is not yet known is never called a miss. */
export function describeShortfall(short: { misses: string[]; unknown: string[] }): string {
  const parts = [];
  if (short.misses.length) parts.push(`misses: ${short.misses.join('; ')}`);
  if (short.unknown.length) parts.push(`not yet known: ${short.unknown.join('; ')}`);
  return parts.join('; ');
}

const qualityShortfall = (v: RungVerdict): number => v.checks.find((c) => c.target === 'quality')?.shortfall ?? 0;

/**
 * Closest is about quality first: the smallest shortfall of the primary metric, then the other targets' summed
 * shortfall, then higher quality, then the lower rung. A rung with no successful call is never closest; a rung at
 * or below the trivial baseline only when no other rung beats it.
 */
export function rankClosest(verdicts: RungVerdict[]): RungVerdict[] {
  const usable = verdicts.filter((v) => v.succeeded);
  const reach = usable.filter((v) => !v.atOrBelowBaseline);
  const pool = reach.length > 0 ? reach : usable;
  const eps = 1e-9;
  return [...pool].sort((a, b) => {
    const q = qualityShortfall(a) - qualityShortfall(b);
    if (Math.abs(q) > eps) return q;
    const o = a.shortfall - qualityShortfall(a) - (b.shortfall - qualityShortfall(b));
    if (Math.abs(o) > eps) return o;
    return (b.quality?.value ?? 0) - (a.quality?.value ?? 0) || a.level - b.level;
  });
}

function noneQualifies(base: Omit<Recommendation, 'status' | 'reasons' | 'verdicts'>, verdicts: RungVerdict[], vol: string, baseline: RecommendInput['baseline']): Recommendation {
  const closest = rankClosest(verdicts)[0];
  const reasons = [`No rung meets every target at ${vol} requests/month.`];
  if (!closest) {
    reasons.push('No rung made a single successful call, so none was measured: check the models (endpoint, key, model name) and run again.');
    for (const v of verdicts) {
      const short = shortOf(v);
      reasons.push(`${v.rungId}: ${[...short.misses, ...short.unknown].join('; ')}.`);
    }
    return { ...base, status: 'none-qualifies', reasons, verdicts };
  }
  const short = shortOf(closest);
  reasons.push(`Closest: ${closest.rungId} (level ${closest.level}${closest.quality ? `, ${base.task.primaryMetric} ${fmtNum(closest.quality.value)}` : ''}, normalized shortfall ${fmtNum(closest.shortfall)}): ${describeShortfall(short)}.`);
  if (closest.dominantFailure) reasons.push(`${closest.rungId}'s ${closest.dominantFailure}.`);
  if (closest.failureSummary.length > 0) reasons.push(`${closest.rungId} failures: ${closest.failureSummary.join('; ')}.`);
  for (const v of verdicts) {
    if (v === closest) continue;
    const notes: string[] = [];
    // Said once: by the baseline check when it applies (no min_quality), else as a note.
    if (v.succeeded && v.atOrBelowBaseline && baseline && !v.checks.some((c) => c.target === 'baseline')) notes.push(`no better than ${baseline.description} (${fmtNum(baseline.value)})`);
    reasons.push(`${v.rungId} ${describeShortfall(shortOf(v))}${notes.length ? ` (${notes.join('; ')})` : ''}${v.dominantFailure ? ` — ${v.dominantFailure}` : ''}${v.failureSummary.length ? ` — failures: ${v.failureSummary.join('; ')}` : ''}.`);
  }
  if (closest.atOrBelowBaseline && baseline) reasons.push(`Every measured rung is at or below the trivial baseline, ${baseline.description} (${fmtNum(baseline.value)}).`);
  return { ...base, status: 'none-qualifies', closest: { rungId: closest.rungId, shortfall: closest.shortfall, ...short }, reasons, verdicts };
}
