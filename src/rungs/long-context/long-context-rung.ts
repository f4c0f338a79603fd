import { z } from 'zod';
import type { RunContext } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import type { Predictor, Rung, RungFactory } from '../../core/rung.js';
import type { RungSpec, Task } from '../../core/task.js';
import { loadCorpusDocuments } from '../../retrieval/ingest/load-corpus.js';
import { approxTokens } from '../../retrieval/types.js';
import { callPrompted } from '../prompted-predictor.js';
import { renderMessages } from '../prompt.js';
import { orderDocuments } from './order-documents.js';
import { countBlocks, packContext, packReport, type AsyncCount } from './pack-context.js';

/**
 * Level 3, long context: the whole corpus goes into the system message as a stable prefix (so providers'
 * prompt caches and the local KV cache reuse it across calls), up to the model's context window minus room
 * for the instructions, the longest input and the answer. What did not fit is reported exactly, in the
 * predictor's state and in every prediction; with `overflow: refuse` a corpus that does not fit is an error.
 */

/** long-context's parameters in ladder.yaml. */
export const longContextParamsSchema = z
  .object({
    overflow: z.enum(['truncate', 'refuse']).default('truncate').describe('a corpus over the window: truncate (report what was left out) | refuse (error)'),
    order: z.enum(['as-is', 'by-title', 'by-relevance-to-task']).default('as-is').describe('order of the documents in the context'),
    contextTokens: z.number().int().min(256).optional().describe("overrides the model's context window (e.g. to test what a smaller window would do)"),
  })
  .strict();

export type LongContextParams = z.output<typeof longContextParamsSchema>;

/** Chat-template tokens per message and a fixed margin, on top of measured text. */
const TEMPLATE_TOKENS_PER_MESSAGE = 8;
const SAFETY_TOKENS = 32;

export const longContextRung: RungFactory = {
  kind: 'long-context',
  level: 3,
  params: longContextParamsSchema,
  // The stuffed corpus fills the window: an upper bound when the corpus is smaller.
  estimate: (params, model) => ({ llmCallsPerExample: 1, contextTokens: Math.round((longContextParams(params).contextTokens ?? model.contextSize ?? 4096) * 0.9) }),
  validate(params, task) {
    const parsed = longContextParamsSchema.safeParse(params);
    const problems = parsed.success ? [] : parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown param "${i.keys.join('", "')}"` : `${i.path.join('.')}: ${i.message}`));
    if (!task.corpus || task.corpus.paths.length === 0) problems.push('the long-context rung needs corpus.paths in ladder.yaml');
    return problems;
  },
  create(spec: RungSpec): Rung {
    return { spec, level: 3, prepare: (ctx, task) => prepareLongContext(ctx, task, spec) };
  },
};

export function longContextParams(params: Record<string, unknown>): LongContextParams {
  return longContextParamsSchema.parse(params);
}

async function prepareLongContext(ctx: RunContext, task: Task, spec: RungSpec): Promise<Predictor> {
  const params = longContextParams(spec.params);
  if (!task.corpus || task.corpus.paths.length === 0) {
    throw new LadderError('INPUT_INVALID', `rung ${spec.id}: the long-context rung needs corpus.paths in ${task.specFile}`, { exitCode: 2 });
  }
  const model = await ctx.models.get(spec.model);
  const contextSize = params.contextTokens ?? model.contextSize ?? ctx.models.spec(spec.model).contextSize;
  if (!contextSize) {
    throw new LadderError('INPUT_INVALID', `rung ${spec.id}: the context window of model ${spec.model} is unknown; set contextSize on the model in ${task.specFile} or contextTokens on the rung`, { exitCode: 2 });
  }
  const count: AsyncCount = model.countTokens ? (t) => model.countTokens!(t) : async (t) => approxTokens(t);
  const { docs: loaded, contentHash } = await loadCorpusDocuments(task.baseDir, task.corpus.paths, { specFile: task.specFile });
  const docs = orderDocuments(loaded, params.order, task);

  // Room for everything that is not the corpus: instructions, the longest input, the answer, templates.
  const instructionTokens = await count(renderMessages(task, '').messages[0].content);
  let inputTokens = 0;
  for (const e of [...task.test, ...task.train]) inputTokens = Math.max(inputTokens, await count(e.input));
  const reserveTokens = instructionTokens + inputTokens + task.execution.maxTokens + 2 * TEMPLATE_TOKENS_PER_MESSAGE + SAFETY_TOKENS;
  const budgetTokens = contextSize - reserveTokens;
  if (budgetTokens <= 0) {
    throw new LadderError('CONTEXT_OVERFLOW', `rung ${spec.id}: model ${model.ref} has a ${contextSize}-token window but the prompt without documents already needs ${reserveTokens}`);
  }
  const blockTokens = await countBlocks(docs, count);
  const corpusTokens = blockTokens.reduce((a, b) => a + b, 0);
  if (params.overflow === 'refuse' && corpusTokens > budgetTokens) {
    throw new LadderError(
      'CONTEXT_OVERFLOW',
      `rung ${spec.id}: the corpus (${docs.length} documents, ${corpusTokens} tokens) does not fit model ${model.ref}: its ${contextSize}-token window leaves ${budgetTokens} tokens for documents after ${reserveTokens} for instructions, input and answer. Use overflow: truncate, a model with a larger window, or the rag rung.`,
    );
  }
  // Blocks are counted one by one; the joined text can tokenize a few tokens longer at the seams, so
  // re-pack with a smaller target until the real count fits (converges in one or two rounds).
  let packed = await packContext(docs, blockTokens, budgetTokens, count);
  let contextTokens = await count(packed.text);
  for (let target = budgetTokens, round = 0; contextTokens > budgetTokens && round < 4; round++) {
    target -= contextTokens - budgetTokens;
    packed = await packContext(docs, blockTokens, target, count);
    contextTokens = await count(packed.text);
  }
  const report = packReport(packed);
  const truncated = packed.docCut !== null || packed.docsDropped.length > 0;
  if (truncated) ctx.log.warn(`rung ${spec.id}: corpus truncated to ${contextTokens} tokens: ${packed.docsIncluded.length} documents whole, ${packed.docCut ? `"${packed.docCut.docId}" cut at character ${packed.docCut.keptChars} of ${packed.docCut.totalChars}, ` : ''}${packed.docsDropped.length} dropped`);
  const seenDocIds = [...packed.docsIncluded, ...(packed.docCut ? [packed.docCut.docId] : [])];

  return {
    state: {
      kind: 'long-context',
      overflow: params.overflow,
      order: params.order,
      contextSize,
      reserveTokens,
      budgetTokens,
      corpusTokens,
      contextTokens,
      tokenCounter: model.countTokens ? 'model' : 'approx-4-chars',
      corpusHash: contentHash,
      corpusPaths: task.corpus.paths,
      truncated,
      ...report,
    },
    async predict(example, signal) {
      return callPrompted(task, model, example, { stableContext: packed.text }, signal, { retrievedDocIds: seenDocIds, contextTokens, truncated, ...report });
    },
  };
}
