import type { JudgeSpec } from '../core/task.js';
import type { GenerateRequest, GenerateResult } from '../core/types.js';
import { parsePairwise, parsePointwise } from './parse-verdict.js';
import { pairwiseConstraint, pairwiseMessages, pointwiseConstraint, pointwiseMessages, type JudgeMaterial } from './prompts.js';

/** One judge call as the phase makes it: the budget check, the cache and the abort signal live behind it. */
export type JudgeCall = (request: GenerateRequest) => Promise<GenerateResult>;

/** A verdict on one answer. `score` is null when the judge gave no readable verdict (scored 0, counted). */
export interface Graded {
  score: number | null;
  /** pass/fail, 1..5, or win/tie/loss */
  verdict: string;
  rationale: string;
  /** Pairwise: the two orders gave opposite decisive verdicts (position bias), so it counts as a tie. */
  flipped?: boolean;
  /** Raw replies, for the audit trail. */
  outputs: string[];
  results: GenerateResult[];
}

export async function gradePointwise(call: JudgeCall, spec: Pick<JudgeSpec, 'rubric' | 'scale' | 'maxTokens'>, material: JudgeMaterial, answer: string): Promise<Graded> {
  const result = await call({ messages: pointwiseMessages(spec, material, answer), output: pointwiseConstraint(spec.scale), maxTokens: spec.maxTokens, temperature: 0, stablePrefixMessages: 1 });
  const parsed = parsePointwise(result.text, spec.scale);
  return {
    score: parsed?.score ?? null,
    verdict: parsed?.verdict ?? 'unreadable',
    rationale: parsed?.rationale ?? '',
    outputs: [result.text],
    results: [result],
  };
}

type Side = 'rung' | 'baseline' | 'tie' | 'unreadable';

/**
 * Asks the judge twice, with the rung's answer first and then second. Agreeing verdicts stand; opposite
 * decisive verdicts are position bias (a flip) and count as a tie, as does one tie with one decisive verdict.
 * Score: win 1, tie 0.5, loss 0.
 */
export async function gradePairwise(call: JudgeCall, spec: Pick<JudgeSpec, 'rubric' | 'maxTokens'>, material: JudgeMaterial, answer: string, baseline: string): Promise<Graded> {
  const ask = (first: string, second: string) =>
    call({ messages: pairwiseMessages(spec, material, first, second), output: pairwiseConstraint, maxTokens: spec.maxTokens, temperature: 0, stablePrefixMessages: 1 });
  const forward = await ask(answer, baseline);
  const backward = await ask(baseline, answer);
  const f = parsePairwise(forward.text);
  const b = parsePairwise(backward.text);
  const sideOf = (winner: 'A' | 'B' | 'tie' | undefined, rungIs: 'A' | 'B'): Side => (winner === undefined ? 'unreadable' : winner === 'tie' ? 'tie' : winner === rungIs ? 'rung' : 'baseline');
  const s1 = sideOf(f?.winner, 'A');
  const s2 = sideOf(b?.winner, 'B');
  const base = { outputs: [forward.text, backward.text], results: [forward, backward] };
  if (s1 === 'unreadable' || s2 === 'unreadable') return { ...base, score: null, verdict: 'unreadable', rationale: f?.rationale || b?.rationale || '' };
  const flipped = (s1 === 'rung' && s2 === 'baseline') || (s1 === 'baseline' && s2 === 'rung');
  const verdict = s1 === s2 ? (s1 === 'rung' ? 'win' : s1 === 'baseline' ? 'loss' : 'tie') : 'tie';
  const score = verdict === 'win' ? 1 : verdict === 'loss' ? 0 : 0.5;
  const rationale = flipped ? `position-dependent: "${f!.rationale}" / "${b!.rationale}"` : f!.rationale || b!.rationale;
  return { ...base, score, verdict, rationale, flipped };
}
