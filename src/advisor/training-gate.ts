import { describeCategory, pct, rankFailures } from './describe-failures.js';
import { fmtNum } from './format.js';
import type { AdvisorOptions, AdvisorSummary, RungVerdict, TargetName } from './types.js';

/** Levels 1–3 are prompted (prompt, examples, knowledge); 4 distillation and 5 fine-tuning train a model. */
export const TRAINING_LEVEL = 4;

/**
 * The fine-tuning gate: a trained rung (level ≥ 4) may be recommended only when
 *  1. prompting fails in a consistent pattern. Either every prompted rung misses the same structural target
 *     (latency, cost, self-hosting — what a small trained model fixes by construction), or every prompted
 *     rung that misses a target has the same dominant failure category (≥ dominantFailureShare of its
 *     failures). A prompted rung meeting every target closes the gate (unless trainingOnCostAlone).
 *  2. it trained on ≥ minTrainingExamples good examples (summary.trainingExamples, else task.train.length);
 *  3. its general-capability check is acceptable: capability.student ≥ capability.base − maxCapabilityDrop.
 */
export function trainingGate(
  rung: AdvisorSummary,
  prompted: { summary: AdvisorSummary; verdict: RungVerdict }[],
  trainCount: number,
  options: AdvisorOptions,
): { pass: boolean; reasons: string[]; blockers: string[] } {
  const reasons: string[] = [];
  const blockers: string[] = [];
  let pass = true;
  const block = (message: string) => {
    pass = false;
    reasons.push(message);
    blockers.push(message);
  };

  const pattern = promptedFailurePattern(prompted, options.dominantFailureShare ?? 0.5);
  const passingPrompted = prompted.filter((p) => p.verdict.meetsTargets).map((p) => p.summary.rungId);
  if (passingPrompted.length > 0 && !options.trainingOnCostAlone) {
    block(`prompted rung(s) ${passingPrompted.join(', ')} already meet every target: training is not needed`);
  } else if (prompted.length === 0) {
    block('no prompted rung was measured, so there is no evidence that prompting fails');
  } else if (!pattern.consistent && passingPrompted.length === 0) {
    block(`prompted rungs fail without a consistent pattern (${pattern.description})`);
  } else if (pattern.consistent) {
    reasons.push(`prompted rungs fail consistently: ${pattern.description}`);
  }

  const examples = rung.trainingExamples ?? trainCount;
  const minExamples = options.minTrainingExamples ?? 500;
  if (examples < minExamples) {
    block(`only ${examples} good training examples (< ${minExamples} required)`);
  } else reasons.push(`${examples} good training examples (≥ ${minExamples})`);

  const maxDrop = options.maxCapabilityDrop ?? 0.05;
  if (!rung.capability) {
    if (options.requireCapabilityCheck ?? true) {
      block('no general-capability check recorded for the trained model');
    }
  } else {
    const drop = rung.capability.base - rung.capability.student;
    const ok = drop <= maxDrop;
    const message = `general capability ${fmtNum(rung.capability.student)} vs base ${fmtNum(rung.capability.base)} (drop ${fmtNum(drop)} ${ok ? '≤' : '>'} ${fmtNum(maxDrop)} allowed)`;
    if (ok) reasons.push(message);
    else block(message);
  }
  return { pass, reasons, blockers };
}

const STRUCTURAL: TargetName[] = ['latency', 'cost', 'selfHosted'];

export function promptedFailurePattern(
  prompted: { summary: AdvisorSummary; verdict: RungVerdict }[],
  dominantShare: number,
): { consistent: boolean; description: string } {
  const failing = prompted.filter((p) => !p.verdict.meetsTargets);
  if (failing.length === 0 || failing.length < prompted.length) return { consistent: false, description: 'not every prompted rung misses a target' };
  const common = STRUCTURAL.filter((t) => failing.every((p) => p.verdict.checks.some((c) => c.target === t && !c.pass)));
  if (common.length > 0) return { consistent: true, description: `every prompted rung misses the ${common.join(' and ')} target` };
  const dominant = failing.map((p) => rankFailures(p.summary.failures)[0]);
  const first = dominant[0];
  if (first && dominant.every((d) => d && d.category === first.category && d.share >= dominantShare)) {
    const shares = dominant.map((d, i) => `${failing[i].summary.rungId} ${pct(d!.share)}`).join(', ');
    return { consistent: true, description: `${describeCategory(first.category)} dominate the failures of every prompted rung (${shares})` };
  }
  const tops = dominant.map((d, i) => `${failing[i].summary.rungId}: ${d ? `${describeCategory(d.category)} ${pct(d.share)}` : 'no failure categories'}`).join('; ');
  return { consistent: false, description: tops };
}
