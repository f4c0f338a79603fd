import { defaultHyperparameters, type LoraHyperparameters } from '../../training/lora/trainer-config.js';

/**
 * Parameters shared by the fine-tune and distill rungs (both train a LoRA on a local GGUF). Defaults are small
 * enough for a CPU: 30 steps of batch 2 on at most 64 examples, rank 8 on the attention projections.
 */
export interface LoraRungParams extends LoraHyperparameters {
  /** Cap on training rows (a seeded sample when the train split is larger). */
  maxExamples: number;
  device: 'auto' | 'cpu' | 'cuda';
  /** PyTorch CPU threads; 0 = all cores. */
  threads: number;
  /** Licence recorded in the dataset manifest. */
  licence: string;
  /** Refuse to train on rows that (nearly) match the test split. */
  leakageCheck: boolean;
  /** Also measure the capability cost on trainer/general_check.jsonl (adds ~2 forward passes of 20 Q/A). */
  generalCheck: boolean;
}

export const defaultLoraRungParams: LoraRungParams = {
  ...defaultHyperparameters,
  maxExamples: 64,
  device: 'auto',
  threads: 0,
  licence: 'unspecified',
  leakageCheck: true,
  generalCheck: false,
};

type Check = (value: unknown) => string | undefined;
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'must be a positive integer');
const nonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'must be an integer ≥ 0');
const positive: Check = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'must be a positive number');
const fraction: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'must be a number in [0, 1)');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const text: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
const oneOf = (...values: string[]): Check => (v) => (values.includes(v as string) ? undefined : `must be one of ${values.join(', ')}`);
const strings: Check = (v) => (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string') ? undefined : 'must be a non-empty list of module names');

const checks: Record<keyof LoraRungParams, Check> = {
  r: positiveInt,
  alpha: positive,
  dropout: fraction,
  targetModules: strings,
  steps: positiveInt,
  epochs: positive,
  lr: positive,
  batchSize: positiveInt,
  gradAccum: positiveInt,
  maxSeqLen: positiveInt,
  scheduler: oneOf('constant', 'linear', 'cosine', 'constant_with_warmup'),
  warmupSteps: nonNegativeInt,
  seed: nonNegativeInt,
  maxExamples: positiveInt,
  device: oneOf('auto', 'cpu', 'cuda'),
  threads: nonNegativeInt,
  licence: text,
  leakageCheck: bool,
  generalCheck: bool,
};

/** Problems with the LoRA params; `extra` are the rung's own keys, checked by the rung. */
export function validateLoraParams(params: Record<string, unknown>, extra: Record<string, Check> = {}): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const check = (checks as Record<string, Check>)[key] ?? extra[key];
    if (!check) {
      problems.push(`unknown parameter "${key}" (known: ${[...Object.keys(checks), ...Object.keys(extra)].join(', ')})`);
      continue;
    }
    const problem = check(value);
    if (problem) problems.push(`${key} ${problem}`);
  }
  return problems;
}

export function loraRungParams(params: Record<string, unknown>): LoraRungParams {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(checks)) if (params[key] !== undefined) picked[key] = params[key];
  return { ...defaultLoraRungParams, ...picked } as LoraRungParams;
}

export const paramChecks = { positiveInt, nonNegativeInt, text, oneOf, bool };
