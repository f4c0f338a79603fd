import type { Estimate, JudgeSummary } from '../core/results.js';
import type { JudgeSpec, TrustedLabel } from '../core/task.js';
import type { Example, Usage } from '../core/types.js';
import { addUsage, emptyUsage } from '../core/types.js';
import { cohensKappa, confusionMatrix, spearman } from '../stats/agreement.js';
import { activePpiMean, labelledOnlyMean, ppiMean } from '../stats/ppi.js';
import type { JudgmentRow } from './judgment-store.js';

export interface CalibrateInput {
  judge: Pick<JudgeSpec, 'scale' | 'promptHash'>;
  modelRef: string;
  /** The test split, in order. */
  examples: Example[];
  /** example id → the rung's answer text, or undefined when the rung failed on it. */
  answers: Map<string, string | undefined>;
  /** This rung's stored verdicts (judge and pairwise). */
  judgments: JudgmentRow[];
  /** Trusted labels for this rung's answers. */
  labels: TrustedLabel[];
  /** The judge's own mean as summarizeRung measured it (bootstrap CI), when `judge` is a task metric. */
  uncorrected: Estimate;
  confidence?: number;
}

/** A verdict in the judge's own categories: pass/fail, or 1..5. */
export function category(score: number, scale: JudgeSpec['scale']): string {
  return scale === 'pass_fail' ? (score >= 0.5 ? 'pass' : 'fail') : String(Math.round(score * 4) + 1);
}

const MIN_LABELS = 2;

/**
 * Judge calibration of one rung (a pure function): agreement with the trusted labels, the PPI++ corrected
 * mean over the labelled and unlabelled answers, verdict distribution, pairwise flips and what judging cost.
 */
export function calibrateRung(input: CalibrateInput): JudgeSummary {
  const { judge, examples, answers } = input;
  const pointwise = new Map(input.judgments.filter((j) => j.metric === 'judge').map((j) => [j.exampleId, j]));
  const pairwise = input.judgments.filter((j) => j.metric === 'pairwise');
  // A failed answer scores 0 for the judge and for any label: it is wrong whoever grades it.
  const f = (id: string): number => (answers.get(id) === undefined ? 0 : (pointwise.get(id)?.score ?? 0));

  const verdicts: Record<string, number> = {};
  for (const j of pointwise.values()) verdicts[j.verdict] = (verdicts[j.verdict] ?? 0) + 1;
  let usage: Usage = emptyUsage();
  let costUsd: number | undefined;
  let calls = 0;
  let cachedCalls = 0;
  for (const j of input.judgments) {
    usage = addUsage(usage, j.usage);
    calls += j.calls;
    cachedCalls += j.cachedCalls;
    if (j.costUsd !== undefined) costUsd = (costUsd ?? 0) + j.costUsd;
  }
  const summary: JudgeSummary = {
    modelRef: input.modelRef,
    promptHash: judge.promptHash,
    scale: judge.scale,
    calibrated: false,
    uncorrected: input.uncorrected,
    verdicts,
    errors: input.judgments.filter((j) => j.score === null).length,
    calls,
    cachedCalls,
    usage,
    costUsd,
    disagreements: [],
  };
  if (pairwise.length) {
    const count = (v: string) => pairwise.filter((j) => j.verdict === v).length;
    const flips = pairwise.filter((j) => j.flipped).length;
    const decided = pairwise.filter((j) => j.score !== null).length;
    summary.pairwise = { baseline: '', wins: count('win'), ties: count('tie'), losses: count('loss'), flips, flipRate: decided ? flips / decided : 0 };
  }

  const byId = new Map(examples.map((e) => [e.id, e]));
  const labelled = input.labels.filter((l) => byId.has(l.exampleId));
  if (labelled.length < MIN_LABELS || pointwise.size === 0) return summary;
  const labelledIds = new Set(labelled.map((l) => l.exampleId));
  const pairs = labelled.map((l) => ({ y: l.score, f: f(l.exampleId) }));
  const unlabelled = examples.filter((e) => !labelledIds.has(e.id)).map((e) => f(e.id));
  // Labels drawn with known unequal probabilities (label-sample --active) are weighted by 1/π; otherwise they
  // are taken as the uniform sample PPI++ assumes (the loader refuses a rung that mixes the two).
  const active = labelled.every((l) => l.probability !== undefined);
  const labelOf = new Map(labelled.map((l) => [l.exampleId, l]));
  const items = examples.map((e) => {
    const l = labelOf.get(e.id);
    return l ? { f: f(e.id), y: l.score, pi: l.probability } : { f: f(e.id) };
  });
  const ppi = active ? activePpiMean(items, { confidence: input.confidence }) : ppiMean({ labelled: pairs, unlabelled }, { confidence: input.confidence });
  const only = active ? activePpiMean(items, { confidence: input.confidence, lambda: 0 }) : labelledOnlyMean(pairs.map((p) => p.y), input.confidence);
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  summary.calibrated = true;
  summary.corrected = { value: clamp(ppi.value), low: clamp(ppi.low), high: clamp(ppi.high), lambda: ppi.lambda, n: ppi.n, N: ppi.N, design: active ? 'active' : 'uniform' };
  summary.labelledOnly = { value: clamp(only.value), low: clamp(only.low), high: clamp(only.high) };

  const cats = labelled.map((l) => ({ label: category(l.score, judge.scale), judge: category(f(l.exampleId), judge.scale) }));
  summary.agreement = {
    n: labelled.length,
    accuracy: cats.filter((c) => c.label === c.judge).length / cats.length,
    kappa: cohensKappa(cats),
    spearman: judge.scale === 'score_1_5' ? spearman(pairs.map((p) => p.y), pairs.map((p) => p.f)) : undefined,
    confusion: confusionMatrix(cats).counts,
  };
  summary.disagreements = labelled
    .filter((_, i) => cats[i].label !== cats[i].judge)
    .slice(0, 5)
    .map((l) => {
      const e = byId.get(l.exampleId)!;
      return {
        exampleId: l.exampleId,
        input: e.input.slice(0, 300),
        answer: (answers.get(l.exampleId) ?? '(failed)').slice(0, 300),
        expected: referenceText(e.expected).slice(0, 300),
        label: l.raw,
        judge: answers.get(l.exampleId) === undefined ? '(failed answer)' : (pointwise.get(l.exampleId)?.verdict ?? '(no verdict)'),
        rationale: pointwise.get(l.exampleId)?.rationale ?? '',
      };
    });
  return summary;
}

/** The gold answer(s) as the judge and the report show them. */
export function referenceText(expected: unknown): string {
  if (expected === null || expected === undefined || expected === '') return '';
  if (typeof expected === 'string') return expected;
  if (Array.isArray(expected) && expected.every((e) => typeof e === 'string')) return expected.join(' | ');
  return JSON.stringify(expected);
}
