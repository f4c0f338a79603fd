import { describeCategory, pct, rankFailures } from './describe-failures.js';
import { fmtNum } from './format.js';
import type { AdvisorOptions, AdvisorSummary, RungVerdict, TargetName } from './types.js';

/** Levels 1–3 are prompted (prompt, examples, knowledge); 4 distillation and 5 fine-tuning train a model. */
export const TRAINING_LEVEL = 4;
/** Level 5: an LLM fine-tune, which the ladder gates harder than distillation. */
export const FINE_TUNE_LEVEL = 5;

export type PromptedEvidence = { summary: AdvisorSummary; verdict: RungVerdict }[];
export interface GateResult {
  pass: boolean;
  reasons: string[];
  blockers: string[];
}

/**
 * The training gates, as the ladder states them (DESIGN.md, "The ladder's rules"):
 *
 * Distillation (level 4) answers "I need a smaller, faster or cheaper model": open when prompted rungs were
 * measured and none meets every target — they miss quality, or meet it but miss latency, cost or self-hosting.
 *
 * An LLM fine-tune (level 5) needs all three:
 *  1. a specific, reproducible failure pattern of prompting: every prompted rung's quality settled below the target
 *     (its whole interval under it), every prompted rung missing the same structural target (latency, cost,
 *     self-hosting), or one failure category dominating every prompted rung's failures;
 *  2. ≥ minTrainingExamples good training examples;
 *  3. an acceptable general-capability check.
 *
 * Only prompted rungs with at least one successful call are evidence (one that never answered measured its
 * endpoint, not prompting). For both, the capability check applies only where general behaviour changes for users (capabilityScope):
 * a classifier head has none; a LoRA adapter served beside an untouched base only for this task is reported
 * with its check, and a failing check blocks it, but a missing one does not; any other trained model needs it.
 * A prompted rung meeting every target closes both gates (training is not needed) unless trainingOnCostAlone.
 */
export function trainingGate(rung: AdvisorSummary, promptedRungs: PromptedEvidence, trainCount: number, options: AdvisorOptions): GateResult {
  const result: GateResult = { pass: true, reasons: [], blockers: [] };
  const block = (message: string): void => {
    result.pass = false;
    result.reasons.push(message);
    result.blockers.push(message);
  };
  // A prompted rung without one successful call measured its endpoint, not prompting: it is no evidence either way.
  const unmeasured = promptedRungs.filter((p) => !p.verdict.succeeded).map((p) => p.summary.rungId);
  const prompted = promptedRungs.filter((p) => p.verdict.succeeded);
  const passing = prompted.filter((p) => p.verdict.meetsTargets).map((p) => p.summary.rungId);
  if (prompted.length === 0) {
    block(`no prompted rung was measured${unmeasured.length ? ` (${unmeasured.join(', ')} made no successful call)` : ''}, so there is no evidence that prompting falls short`);
  }
  else if (passing.length > 0 && !options.trainingOnCostAlone) block(`prompted rung(s) ${passing.join(', ')} already meet every target: training is not needed`);
  else if (rung.level >= FINE_TUNE_LEVEL) {
    const pattern = promptedFailurePattern(prompted, options.dominantFailureShare ?? 0.5);
    if (pattern.consistent) result.reasons.push(`prompting fails in a reproducible pattern: ${pattern.description}`);
    else block(`prompted rungs fail without a specific reproducible pattern (${pattern.description})`);
  } else if (passing.length === 0) result.reasons.push(`distillation applies: ${distillationNeed(prompted)}`);

  if (rung.level >= FINE_TUNE_LEVEL) {
    const examples = rung.trainingExamples ?? trainCount;
    const minExamples = options.minTrainingExamples ?? 500;
    if (examples < minExamples) block(`only ${examples} good training examples (< ${minExamples} required for a fine-tune)`);
    else result.reasons.push(`${examples} good training examples (≥ ${minExamples})`);
  } else if (rung.trainingExamples !== undefined) result.reasons.push(`learned from ${rung.trainingExamples} examples`);

  capabilityCheck(rung, options, result.reasons, block);
  return result;
}

function capabilityCheck(rung: AdvisorSummary, options: AdvisorOptions, reasons: string[], block: (m: string) => void): void {
  const scope = rung.capabilityScope ?? 'model';
  if (scope === 'none') {
    reasons.push('general-capability check not applicable: a classifier head has no general behaviour to lose');
    return;
  }
  const maxDrop = options.maxCapabilityDrop ?? 0.05;
  if (!rung.capability) {
    if (scope === 'task-adapter') reasons.push('no general-capability check recorded; not required: a LoRA adapter served beside the untouched base, only for this task');
    else if (options.requireCapabilityCheck ?? true) block('no general-capability check recorded for the trained model (its general behaviour changes for its users)');
    return;
  }
  const drop = rung.capability.base - rung.capability.student;
  const ok = drop <= maxDrop;
  const where = scope === 'task-adapter' ? ' (LoRA adapter beside the untouched base)' : '';
  const message = `general capability ${fmtNum(rung.capability.student)} vs base ${fmtNum(rung.capability.base)}${where} (drop ${fmtNum(drop)} ${ok ? '≤' : '>'} ${fmtNum(maxDrop)} allowed)`;
  if (ok) reasons.push(message);
  else block(message);
}

/**
 * Which of the ladder's reasons for distillation holds: prompting misses quality, or is adequate but too
 * slow/dear/remote. A target a prompted rung has not shown (undecided quality, unknown latency or cost) is said
 * to be not yet known, never missed.
 */
function distillationNeed(prompted: PromptedEvidence): string {
  const quality = (p: PromptedEvidence[number]) => p.verdict.checks.find((c) => c.target === 'quality' && !c.pass);
  const short = prompted.filter((p) => quality(p));
  const q = (p: PromptedEvidence[number]) => (p.verdict.quality ? fmtNum(p.verdict.quality.value) : '-');
  if (short.length === prompted.length) {
    const unknown = short.filter((p) => quality(p)!.undecided);
    if (unknown.length === 0) return `every prompted rung misses the quality target (${short.map((p) => `${p.summary.rungId} ${q(p)}`).join(', ')})`;
    return `no prompted rung has shown the quality target (${short.map((p) => `${p.summary.rungId} ${q(p)} ${quality(p)!.undecided ? 'undecided' : 'misses'}`).join(', ')})`;
  }
  const structural = prompted
    .filter((p) => !short.includes(p))
    .map((p) => {
      const failed = p.verdict.checks.filter((c) => !c.pass);
      const missed = failed.filter((c) => !c.undecided).map((c) => c.target);
      const unknown = failed.filter((c) => c.undecided).map((c) => c.target);
      return `${p.summary.rungId} ${[missed.length ? `misses ${missed.join(' and ')}` : '', unknown.length ? `${unknown.join(' and ')} not yet known` : ''].filter(Boolean).join(', ')}`;
    });
  return `prompted rungs ${short.length ? 'fall short of quality or ' : ''}meet quality but not another target (${structural.join('; ')})`;
}

const STRUCTURAL: TargetName[] = ['latency', 'cost', 'selfHosted'];

/** A failure pattern of prompting that training can fix; `consistent` only when every prompted rung shows it. */
export function promptedFailurePattern(prompted: PromptedEvidence, dominantShare: number): { consistent: boolean; description: string } {
  const failing = prompted.filter((p) => !p.verdict.meetsTargets);
  if (failing.length === 0 || failing.length < prompted.length) return { consistent: false, description: 'not every prompted rung misses a target' };
  const patterns: string[] = [];
  const settledBelow = failing.filter((p) => {
    const q = p.verdict.checks.find((c) => c.target === 'quality');
    // A rung evaluated until decided carries its decision; otherwise its whole interval must lie under the target.
    const decided = (p.summary as { decision?: { decision?: string } }).decision?.decision;
    if (decided !== undefined && decided !== 'no-target') return decided === 'misses';
    return q && !q.pass && q.required !== undefined && p.verdict.quality !== undefined && p.verdict.quality.high < q.required;
  });
  if (settledBelow.length === failing.length) {
    patterns.push(`every prompted rung's quality is settled below the target (${settledBelow.map((p) => `${p.summary.rungId} ${fmtNum(p.verdict.quality!.value)} [${fmtNum(p.verdict.quality!.low)}, ${fmtNum(p.verdict.quality!.high)}]`).join(', ')})`);
  }
  // Only a known miss is a pattern: a latency or cost not yet known says nothing about what prompting does.
  const common = STRUCTURAL.filter((t) => failing.every((p) => p.verdict.checks.some((c) => c.target === t && !c.pass && !c.undecided)));
  if (common.length > 0) patterns.push(`every prompted rung misses the ${common.join(' and ')} target`);
  const dominant = failing.map((p) => rankFailures(p.summary.failures)[0]);
  const first = dominant[0];
  if (first && dominant.every((d) => d && d.category === first.category && d.share >= dominantShare)) {
    const shares = dominant.map((d, i) => `${failing[i].summary.rungId} ${pct(d!.share)}`).join(', ');
    const example = failing[0].summary.failureExamples?.[first.category];
    patterns.push(`${describeCategory(first.category)} dominate the failures of every prompted rung (${shares})${example ? `, e.g. example ${example}` : ''}`);
  }
  if (patterns.length > 0) return { consistent: true, description: patterns.join('; ') };
  const tops = dominant.map((d, i) => `${failing[i].summary.rungId}: ${d ? `${describeCategory(d.category)} ${pct(d.share)}` : 'no failure categories'}`).join('; ');
  return { consistent: false, description: tops };
}
