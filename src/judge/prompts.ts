import { createHash } from 'node:crypto';
import type { JudgeSpec } from '../core/task.js';
import type { ChatMessage, OutputConstraint } from '../core/types.js';

/**
 * The judge's prompts. Bump JUDGE_PROMPT_VERSION whenever their wording or the verdict format changes: the
 * version, the templates and the rubric are hashed into the run's provenance (a resumed run refuses a changed
 * judge) and the messages into the response-cache key (a changed judge is asked again).
 */
export const JUDGE_PROMPT_VERSION = 'judge-v1';

const POINTWISE_SYSTEM = `You grade one answer to a task. Be strict and fair; judge only by the rubric.
Rubric:
{rubric}

{scale}
Reply with one JSON object and nothing else: {"verdict": ..., "rationale": "<one short sentence>"}.`;

const SCALES: Record<JudgeSpec['scale'], string> = {
  pass_fail: 'The verdict is "pass" when the answer meets the rubric, otherwise "fail".',
  score_1_5: 'The verdict is a score from 1 (useless) to 5 (fully meets the rubric).',
};

const PAIRWISE_SYSTEM = `You compare two answers to the same task. Judge only by the rubric, not by length or position.
Rubric:
{rubric}

Reply with one JSON object and nothing else: {"winner": "A" | "B" | "tie", "rationale": "<one short sentence>"}.`;

/** The identity of the judge prompt: version, templates, rubric and scale. */
export function judgePromptHash(spec: Pick<JudgeSpec, 'rubric' | 'scale'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: JUDGE_PROMPT_VERSION, pointwise: POINTWISE_SYSTEM, pairwise: PAIRWISE_SYSTEM, scales: SCALES, rubric: spec.rubric, scale: spec.scale }))
    .digest('hex');
}

/** What the judge sees of one answer: the task, the input, what the rung saw (passages) and the gold answer. */
export interface JudgeMaterial {
  instructions: string;
  input: string;
  /** Retrieved passages the rung answered from (RAG), when present. */
  passages?: string;
  /** The expected answer(s), when the example has one. */
  reference?: string;
}

function materialText(m: JudgeMaterial): string {
  const parts = [`Task instructions:\n${m.instructions.trim()}`, `Input:\n${m.input}`];
  if (m.passages) parts.push(`Passages the answer was written from:\n${m.passages}`);
  if (m.reference) parts.push(`Reference answer (correct answers may be worded differently):\n${m.reference}`);
  return parts.join('\n\n');
}

export function pointwiseMessages(spec: Pick<JudgeSpec, 'rubric' | 'scale'>, material: JudgeMaterial, answer: string): ChatMessage[] {
  return [
    { role: 'system', content: POINTWISE_SYSTEM.replace('{rubric}', spec.rubric.trim()).replace('{scale}', SCALES[spec.scale]) },
    { role: 'user', content: `${materialText(material)}\n\nAnswer to grade:\n${answer}` },
  ];
}

export function pairwiseMessages(spec: Pick<JudgeSpec, 'rubric'>, material: JudgeMaterial, first: string, second: string): ChatMessage[] {
  return [
    { role: 'system', content: PAIRWISE_SYSTEM.replace('{rubric}', spec.rubric.trim()) },
    { role: 'user', content: `${materialText(material)}\n\nAnswer A:\n${first}\n\nAnswer B:\n${second}` },
  ];
}

/** Structured output for verdicts: the verdict first (a small judge must commit before it rambles). */
export function pointwiseConstraint(scale: JudgeSpec['scale']): OutputConstraint {
  const verdict = scale === 'pass_fail' ? { type: 'string', enum: ['pass', 'fail'] } : { type: 'integer', enum: [1, 2, 3, 4, 5] };
  return {
    kind: 'json',
    schema: { type: 'object', properties: { verdict, rationale: { type: 'string' } }, required: ['verdict', 'rationale'], additionalProperties: false },
  };
}

export const pairwiseConstraint: OutputConstraint = {
  kind: 'json',
  schema: {
    type: 'object',
    properties: { winner: { type: 'string', enum: ['A', 'B', 'tie'] }, rationale: { type: 'string' } },
    required: ['winner', 'rationale'],
    additionalProperties: false,
  },
};
