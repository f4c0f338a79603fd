import type { JsonObject } from '../../core/types.js';
import type { FeatureKind } from './features.js';

/** The classifier student's settings as written under a rung's `params:` in ladder.yaml. */
export interface ClassifierParams {
  /** Model name (from models:) whose `embed` gives the vectors; defaults to the rung's model. */
  embedModel?: string;
  /** Model name that labels the train inputs (distillation); absent = train on the gold labels. */
  teacher?: string;
  features: FeatureKind;
  /**
   * Text sent to the embedding model, {input} = the input (see FeatureConfig.embedTemplate). 'auto' (the
   * default) uses PROMPT_EOL_TEMPLATE for local chat models (chat GGUFs whose embedding is the last token's
   * state: on it-tickets with SmolLM2 it lifted accuracy from 37% to 55%) and the bare input for remote
   * embedding APIs; 'none' always sends the bare input.
   */
  embedTemplate: string;
  /** 0 = logistic regression; > 0 = one ReLU hidden layer of this width. */
  hidden: number;
  l2: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  classWeight: 'none' | 'balanced';
  maxInputChars: number;
  ngramDim: number;
  licence: string;
  /** Refuse to train on data that overlaps the test split (default true). */
  leakageCheck: boolean;
}

export const classifierDefaults: ClassifierParams = {
  features: 'embedding',
  embedTemplate: 'auto',
  hidden: 0,
  l2: 1e-2,
  epochs: 100,
  learningRate: 0.01,
  batchSize: 32,
  seed: 1,
  classWeight: 'none',
  maxInputChars: 2000,
  ngramDim: 2048,
  licence: 'unspecified',
  leakageCheck: true,
};

const FEATURES = ['embedding', 'ngrams', 'embedding+ngrams'];

/** "PromptEOL" (Jiang et al. 2023, Scaling Sentence Embeddings with LLMs): makes a causal LM's last token summarize. */
export const PROMPT_EOL_TEMPLATE = 'This text : "{input}" means in one word:"';

/**
 * The template actually used for a model, resolving 'auto' and 'none'. A sentence encoder (embeddingOnly,
 * e.g. MiniLM) was trained on bare sentences, so 'auto' sends it the bare input like a remote embedding API.
 */
export function resolveEmbedTemplate(setting: string, hosting: 'local' | 'remote', embeddingOnly = false): string | undefined {
  if (setting === 'none') return undefined;
  if (setting === 'auto') return hosting === 'local' && !embeddingOnly ? PROMPT_EOL_TEMPLATE : undefined;
  return setting;
}

export function validateClassifierParams(params: Record<string, unknown>, outputKind: string): string[] {
  const problems: string[] = [];
  if (outputKind !== 'label') problems.push(`the classifier rung needs a label task (output.kind: label), not ${outputKind}`);
  const known = new Set(['embedModel', 'teacher', ...Object.keys(classifierDefaults)]);
  for (const key of Object.keys(params)) if (!known.has(key)) problems.push(`unknown param "${key}" (known: ${[...known].join(', ')})`);
  for (const name of ['embedModel', 'teacher', 'licence', 'embedTemplate']) {
    if (params[name] !== undefined && typeof params[name] !== 'string') problems.push(`${name} must be a string`);
  }
  if (typeof params.embedTemplate === 'string' && !['auto', 'none'].includes(params.embedTemplate) && !params.embedTemplate.includes('{input}')) {
    problems.push('embedTemplate must be auto, none, or a text containing {input}');
  }
  if (params.features !== undefined && !FEATURES.includes(String(params.features))) problems.push(`features must be one of ${FEATURES.join(', ')}`);
  if (params.classWeight !== undefined && !['none', 'balanced'].includes(String(params.classWeight))) problems.push('classWeight must be none or balanced');
  if (params.leakageCheck !== undefined && typeof params.leakageCheck !== 'boolean') problems.push('leakageCheck must be true or false');
  const number = (name: string, min: number, integer: boolean) => {
    const v = params[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))) {
      problems.push(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    }
  };
  number('hidden', 0, true);
  number('epochs', 1, true);
  number('batchSize', 1, true);
  number('seed', 0, true);
  number('maxInputChars', 1, true);
  number('ngramDim', 16, true);
  number('l2', 0, false);
  number('learningRate', 1e-9, false);
  return problems;
}

export function classifierParams(params: JsonObject): ClassifierParams {
  const merged = { ...classifierDefaults } as ClassifierParams & Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null) merged[key] = value;
  return merged;
}
