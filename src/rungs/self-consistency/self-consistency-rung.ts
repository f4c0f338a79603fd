import { z } from 'zod';
import type { Prediction, RungFactory } from '../../core/rung.js';
import { addUsage, emptyUsage, type JsonValue } from '../../core/types.js';
import { buildRequest, formatInstructions, parseAnswer, renderMessages } from '../prompt.js';

/** self-consistency's parameters in ladder.yaml. */
export const selfConsistencyParams = z
  .object({
    n: z.number().int().min(2).max(16).default(5).describe('samples per input; the most frequent parsed answer wins'),
    temperature: z.number().gt(0).max(2).default(0.7).describe('sampling temperature of each sample (> 0, or every sample is the same)'),
  })
  .strict();

/**
 * Rung 1, sampled: the zero-shot prompt sent n times at temperature > 0, and the majority answer kept
 * (Wang et al. 2023, "Self-Consistency Improves Chain of Thought Reasoning"). It buys quality with n× the
 * tokens, which the economics then price: usage is the sum of the samples, latency the slowest (they run
 * together). Ties go to the answer seen first; unparseable samples vote only when nothing parsed.
 */
export const selfConsistencyRung: RungFactory = {
  kind: 'self-consistency',
  level: 1,
  params: selfConsistencyParams,
  defaultId: (params) => {
    const parsed = selfConsistencyParams.safeParse(params);
    return parsed.success ? `self-consistency-n${parsed.data.n}` : 'self-consistency';
  },
  estimate: (params) => ({ llmCallsPerExample: selfConsistencyParams.parse(params).n }),
  validate: () => [],
  create: (spec) => ({
    spec,
    level: 1,
    async prepare(ctx, task) {
      const { n, temperature } = selfConsistencyParams.parse(spec.params);
      const model = await ctx.models.get(spec.model);
      const system = formatInstructions(task);
      return {
        state: { kind: 'self-consistency', model: model.ref, system, n, temperature },
        async predict(example, signal): Promise<Prediction> {
          const rendered = renderMessages(task, example.input, {});
          const request = { ...buildRequest(task, rendered), temperature };
          const samples = await Promise.all(Array.from({ length: n }, () => model.generate(request, signal)));
          const answers = samples.map((s) => parseAnswer(task, s.text));
          const winner = majority(answers);
          return {
            output: samples[winner].text,
            answer: answers[winner],
            prompt: rendered.messages,
            usage: samples.reduce((sum, s) => addUsage(sum, s.usage), emptyUsage()),
            latencyMs: Math.max(...samples.map((s) => s.latencyMs)),
            cached: samples.every((s) => s.cached),
            modelRef: model.ref,
            details: { votes: answers.filter((a) => sameAnswer(a, answers[winner])).length, samples: n },
          };
        },
      };
    },
  }),
};

/** Index of the first sample holding the most frequent parsed answer (a null answer wins only if all are null). */
export function majority(answers: JsonValue[]): number {
  let best = 0;
  let bestVotes = -1;
  answers.forEach((answer, i) => {
    if (answer === null) return;
    const votes = answers.filter((other) => sameAnswer(other, answer)).length;
    if (votes > bestVotes) [best, bestVotes] = [i, votes];
  });
  return best;
}

function sameAnswer(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
