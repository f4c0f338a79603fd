import { z } from 'zod';
import { defaultHyperparameters as d, type LoraHyperparameters } from '../../training/lora/trainer-config.js';

/**
 * Parameters shared by the fine-tune and distill rungs (both train a LoRA on a local GGUF). Defaults are small
 * enough for a CPU: 30 steps of batch 2 on at most 64 examples, rank 8 on the attention projections. The
 * defaults come from the trainer's own (`defaultHyperparameters`) so the two cannot drift apart.
 */
export const loraParamsShape = {
  r: z.number().int().positive().default(d.r).describe('LoRA rank'),
  alpha: z.number().positive().default(d.alpha).describe('LoRA alpha (scaling = alpha / r)'),
  dropout: z.number().min(0).lt(1).default(d.dropout).describe('LoRA dropout, in [0, 1)'),
  targetModules: z.array(z.string()).nonempty().default([...d.targetModules] as [string, ...string[]]).describe('module names the adapter wraps'),
  steps: z.number().int().positive().default(d.steps).describe('optimizer steps (ignored when epochs is set)'),
  epochs: z.number().positive().optional().describe('passes over the training rows; replaces steps'),
  lr: z.number().positive().default(d.lr).describe('learning rate'),
  batchSize: z.number().int().positive().default(d.batchSize).describe('rows per step'),
  gradAccum: z.number().int().positive().default(d.gradAccum).describe('gradient accumulation steps'),
  maxSeqLen: z.number().int().positive().default(d.maxSeqLen).describe('tokens per training row (longer rows are cut)'),
  scheduler: z.enum(['constant', 'linear', 'cosine', 'constant_with_warmup']).default(d.scheduler).describe('learning-rate schedule'),
  warmupSteps: z.number().int().min(0).default(d.warmupSteps).describe('warm-up steps of the schedule'),
  seed: z.number().int().min(0).default(d.seed).describe('seed of sampling and training'),
  maxExamples: z.number().int().positive().default(64).describe('cap on training rows (a seeded sample when the train split is larger)'),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('auto (CUDA when the worker sees it) | cpu | cuda'),
  threads: z.number().int().min(0).default(0).describe('PyTorch CPU threads; 0 = all cores'),
  licence: z.string().min(1).default('unspecified').describe('licence recorded in the dataset manifest'),
  leakageCheck: z.boolean().default(true).describe('refuse to train on rows that (nearly) match the test split'),
  generalCheck: z.boolean().default(false).describe('also measure the capability cost on trainer/general_check.jsonl (~2 forward passes of 20 Q/A)'),
};

/** Not strict: the LoRA part of a rung's params, whatever else the rung takes (distill's teacher). */
const loraParamsSchema = z.object(loraParamsShape);

export type LoraRungParams = z.output<typeof loraParamsSchema> & LoraHyperparameters;

export const defaultLoraRungParams: LoraRungParams = loraParamsSchema.parse({});

/** The schema's problems as `param: message` lines (what `validate` returns when called without load-task). */
export function schemaProblems(schema: z.ZodType, params: Record<string, unknown>): string[] {
  const parsed = schema.safeParse(params);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => `unknown parameter "${k}"`).join('; ') : `${i.path.join('.')}: ${i.message}`));
}

/** The LoRA params of a rung's (already validated) params, defaults filled in; the rung's own keys dropped. */
export function loraRungParams(params: Record<string, unknown>): LoraRungParams {
  return loraParamsSchema.parse(params) as LoraRungParams;
}
