import { z } from 'zod';

/** "PromptEOL" (Jiang et al. 2023, Scaling Sentence Embeddings with LLMs): makes a causal LM's last token summarize. */
export const PROMPT_EOL_TEMPLATE = 'This text : "{input}" means in one word:"';

/** The classifier student's settings as written under a rung's `params:` in ladder.yaml. */
export const classifierParamsSchema = z
  .object({
    embedModel: z.string().optional().describe("model name (from models:) whose embed gives the vectors (default: the rung's model)"),
    teacher: z.string().optional().describe('model name that labels the train inputs (distillation); absent = train on the gold labels'),
    features: z.enum(['embedding', 'ngrams', 'embedding+ngrams']).default('embedding').describe('embedding | ngrams (hashed, calls no model) | embedding+ngrams'),
    // 'auto' uses PROMPT_EOL_TEMPLATE for local chat models (their embedding is the last token's state: on
    // it-tickets with SmolLM2 it lifted accuracy from 37% to 55%) and the bare input for embedding APIs.
    embedTemplate: z
      .string()
      .refine((t) => t === 'auto' || t === 'none' || t.includes('{input}'), 'must be auto, none, or a text containing {input}')
      .default('auto')
      .describe('text sent to the embedding model, {input} = the input; auto (PromptEOL for local chat models) | none (bare input)'),
    hidden: z.number().int().min(0).default(0).describe('0 = logistic regression; > 0 = one ReLU hidden layer of this width'),
    l2: z.number().min(0).default(1e-2).describe('L2 weight penalty'),
    epochs: z.number().int().min(1).default(100).describe('training epochs of the head'),
    learningRate: z.number().min(1e-9).default(0.01).describe('Adam learning rate'),
    batchSize: z.number().int().min(1).default(32).describe('training batch size'),
    seed: z.number().int().min(0).default(1).describe('seed of initialisation and shuffling'),
    classWeight: z.enum(['none', 'balanced']).default('none').describe('none | balanced (weights inverse to label frequency)'),
    maxInputChars: z.number().int().min(1).default(2000).describe('inputs are cut to this many characters before featurizing'),
    ngramDim: z.number().int().min(16).default(2048).describe('hashed n-gram feature dimensions'),
    licence: z.string().default('unspecified').describe('licence recorded in the training dataset manifest'),
    leakageCheck: z.boolean().default(true).describe('refuse to train on data that overlaps the test split'),
  })
  .strict();

export type ClassifierParams = z.output<typeof classifierParamsSchema>;

export const classifierDefaults: ClassifierParams = classifierParamsSchema.parse({});

/**
 * The template actually used for a model, resolving 'auto' and 'none'. A sentence encoder (embeddingOnly,
 * e.g. MiniLM) was trained on bare sentences, so 'auto' sends it the bare input like a remote embedding API.
 */
export function resolveEmbedTemplate(setting: string, hosting: 'local' | 'remote', embeddingOnly = false): string | undefined {
  if (setting === 'none') return undefined;
  if (setting === 'auto') return hosting === 'local' && !embeddingOnly ? PROMPT_EOL_TEMPLATE : undefined;
  return setting;
}

/** The schema's problems (each naming its parameter) plus the task-level one: a classifier needs labels. */
export function validateClassifierParams(params: Record<string, unknown>, outputKind: string): string[] {
  const problems: string[] = [];
  if (outputKind !== 'label') problems.push(`the classifier rung needs a label task (output.kind: label), not ${outputKind}`);
  const parsed = classifierParamsSchema.safeParse(params);
  if (!parsed.success) problems.push(...parsed.error.issues.map(issueText));
  return problems;
}

export function classifierParams(params: Record<string, unknown>): ClassifierParams {
  return classifierParamsSchema.parse(params);
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `unknown param "${k}"`).join('; ');
  return `${issue.path.join('.')}: ${issue.message}`;
}
