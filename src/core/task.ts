import type { Example, JsonObject, OutputConstraint, OutputKind } from './types.js';

/** Targets a rung must meet to be recommended. Missing fields mean "no target". */
export interface Targets {
  /** Minimum value of the primary metric (judged on the CI lower bound by default). */
  minQuality?: number;
  p95LatencyMs?: number;
  maxCostPer1kUsd?: number;
  /** "must run on our own hardware" */
  selfHostedOnly?: boolean;
  /** Largest share of calls that may fail (errors, timeouts) for a rung to qualify; default 0.02. */
  maxErrorRate?: number;
}

/** A model the task may use, as named in ladder.yaml. `ref` is resolved by the model registry. */
export interface ModelSpec {
  name: string;
  ref: string;
  /** Environment variable that holds the API key; the key itself is never stored. */
  apiKeyEnv?: string;
  baseUrl?: string;
  headers?: Record<string, string>;
  /** Rate limits enforced by the runner. */
  rpm?: number;
  tpm?: number;
  contextSize?: number;
  /** Local models: parallel sequences decoded at once (otherwise calibrated on the first calls). */
  sequences?: number;
  /** Local models: llama.cpp contexts the sequences are spread over, threads / contexts threads each (default 1). */
  contexts?: number;
  /** Local models: GGUF path or a catalog name such as smollm2-135m. */
  path?: string;
  /** Local models: a GGUF LoRA adapter applied on top of the base (a fine-tuned student). */
  lora?: string;
  /** compat: models — how the server takes output constraints (default json_schema). */
  constraints?: 'json_schema' | 'grammar' | 'guided_choice' | 'guided_json' | 'none';
  /** Price overrides in USD per million tokens. */
  price?: { inputPerMTok?: number; outputPerMTok?: number; cacheReadPerMTok?: number; cacheWritePerMTok?: number };
}

/** A rung as configured: its kind (registry key), a unique id in the run, the model it uses, its params. */
export interface RungSpec {
  id: string;
  kind: string;
  model: string;
  params: JsonObject;
  /** Where it was declared, for error messages. */
  source?: { file: string; line?: number; field: string };
}

/**
 * Model-graded quality (`judge:` in ladder.yaml): which model grades, by what rubric, on what scale, and what
 * `pairwise` compares against. `promptHash` identifies the judge prompt (version + templates + rubric).
 */
export interface JudgeSpec {
  model: string;
  rubric: string;
  scale: 'pass_fail' | 'score_1_5';
  /** `gold` (the expected answer) or the id of another rung. */
  baseline: string;
  maxTokens: number;
  promptHash: string;
}

/** A trusted verdict on one rung's answer to one example (`labels:`), a score in [0, 1]. */
export interface TrustedLabel {
  exampleId: string;
  rungId: string;
  score: number;
  /** As written in the file (pass/fail/1-5/0..1), for the confusion matrix. */
  raw: string;
  /** The probability this answer had of being drawn for labelling (active sampling); absent for a uniform sample. */
  probability?: number;
  source?: { file: string; line: number };
}

export interface CorpusSpec {
  paths: string[];
}

/** The resolved task: spec plus loaded data. Everything a rung needs to prepare itself. */
export interface Task {
  name: string;
  instructions: string;
  output: OutputConstraint;
  outputKind: OutputKind;
  train: Example[];
  test: Example[];
  metrics: string[];
  /** The metric the advisor ranks on (the first listed). */
  primaryMetric: string;
  targets: Targets;
  /** Expected requests per month in production. */
  monthlyVolume: number;
  models: ModelSpec[];
  rungs: RungSpec[];
  corpus?: CorpusSpec;
  /** Model-graded metrics (`judge`, `pairwise`) need this. */
  judge?: JudgeSpec;
  /** Trusted labels for a subset of (rung, example) answers: calibrate the judge. */
  labels?: TrustedLabel[];
  budget: { maxUsd?: number };
  /**
   * `timeoutMs` bounds one attempt; `deadlineMs` one example, retries and Retry-After waits included (default:
   * every attempt's timeout + a minute). `maxAnswerChars`: a longer answer fails as ANSWER_TOO_LONG (default from
   * maxTokens). `latencyProbe`: requests of the served-latency probe after each rung (0 = none; default 20).
   */
  execution: { concurrency: number; timeoutMs: number; retries: number; maxTokens: number; deadlineMs?: number; maxAnswerChars?: number; latencyProbe?: number };
  /** Absolute directory of ladder.yaml; relative paths in the spec resolve against it. */
  baseDir: string;
  specFile: string;
  /** sha256 of the spec text and of every file it read, keyed by resolved absolute path (the run's identity). */
  fingerprints: Record<string, string>;
  /** Training rows dropped at load because they (nearly) duplicate a test row, and the policy used. */
  leakage?: LeakageRecord;
}

export interface LeakageRecord {
  nearDuplicate: number;
  maxOverlap: number;
  trainRows: number;
  testRows: number;
  dropped: { trainId: string; testId: string; similarity: number; kind: 'exact' | 'near' }[];
}
