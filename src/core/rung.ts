import type { z } from 'zod';
import type { RunContext } from './context.js';
import type { Task, RungSpec } from './task.js';
import type { ChatMessage, Example, JsonValue, Usage } from './types.js';

/** What one call of a rung produced; everything needed to audit it is kept. */
export interface Prediction {
  /** The raw text the model returned. */
  output: string;
  /** The answer the metrics score: a label, a string, or a parsed JSON value (null if unparseable). */
  answer: JsonValue;
  /** Exactly what was sent. */
  prompt: ChatMessage[];
  usage: Usage;
  latencyMs: number;
  cached: boolean;
  modelRef: string;
  /**
   * Rung-specific facts: retrieved doc ids, context tokens, truncation... One key is read by the core:
   * `sideUsage` (see SideUsage), so stored rows carry it without a schema change.
   */
  details?: { [key: string]: JsonValue };
}

/**
 * Tokens an example billed on a model other than the rung's own (a remote embedder embedding the question for
 * retrieval), by its name in models:. Priced at THAT model's price into the row's cost, the rung's cost per
 * request and the budget; the rung's `usage` stays the generating model's, priced at its own rates.
 */
export interface SideUsage {
  model: string;
  usage: Usage;
}

/** The side usage a prediction recorded in `details.sideUsage` (none for rows written before it existed). */
export function sideUsageOf(prediction: Pick<Prediction, 'details'>): SideUsage[] {
  const raw = prediction.details?.sideUsage;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry) || typeof entry.model !== 'string') return [];
    const u = entry.usage as Record<string, unknown> | undefined;
    const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return [{ model: entry.model, usage: { inputTokens: n(u?.inputTokens), cachedInputTokens: n(u?.cachedInputTokens), cacheWriteTokens: n(u?.cacheWriteTokens), outputTokens: n(u?.outputTokens) } }];
  });
}

/** `details.sideUsage` for a prediction: JSON, as details are stored. */
export function sideUsageDetails(side: SideUsage[]): { sideUsage: JsonValue } {
  return { sideUsage: side.map((s) => ({ model: s.model, usage: { ...s.usage } })) };
}

/** A one-off cost of preparing a rung (labelling, training, index building), for the economics. */
export interface FixedCost {
  what: string;
  usd?: number;
  /** Compute time, priced by the cost model at the hardware rate when usd is absent. */
  computeSeconds?: number;
  tokens?: Usage;
}

/** A prepared rung. `state` serializes to JSON so the evaluated configuration can be stored and served. */
export interface Predictor {
  state: JsonValue;
  predict(example: Example, signal?: AbortSignal): Promise<Prediction>;
  fixedCosts?: FixedCost[];
  /**
   * Optional run order: the runner starts examples sorted by this key (stable), so examples whose prompts share
   * a prefix run back to back and a KV / prompt cache reuses it. Rows keep their split position.
   */
  scheduleKey?(example: Example): string;
  /** Frees what prepare() acquired (contexts, indexes). */
  dispose?(): Promise<void>;
}

/** One step of the ladder. prepare() may do real work (select examples, build an index, label, train). */
export interface Rung {
  readonly spec: RungSpec;
  /** Position on the ladder: 1 prompt, 2 examples, 3 knowledge, 4 distillation, 5 fine-tuning. */
  readonly level: number;
  prepare(ctx: RunContext, task: Task): Promise<Predictor>;
}

/** What `--estimate` should assume about one call of a rung, before anything runs. */
export interface RungEstimate {
  /** Calls per test example that go to an LLM (0 for a rung that calls none, e.g. an n-gram classifier). */
  llmCallsPerExample: number;
  /** Demonstrations in each prompt, and whether they are the same for every call (a cacheable prefix). */
  demonstrations?: { count: number; stable: boolean };
  /** Context the rung adds to every call before anything is retrieved (chunks, a stuffed corpus). */
  contextTokens?: number;
  /** Calls that embed the bare input (no prompt, no output tokens), e.g. a classifier's embedding features. */
  embedCallsPerExample?: number;
  /** The model (name in models:) those embed calls go to, when not the rung's own (a RAG rung's `embedModel`). */
  embedModel?: string;
}

/** A registry entry: validates a rung's params and builds it. Adding a rung = one module + one line. */
export interface RungFactory {
  kind: string;
  level: number;
  /**
   * The rung's parameters as written in ladder.yaml: a zod object with defaults and descriptions. Validation
   * errors name the parameter from the schema's path, and `ladder schema` shows it to editors.
   */
  params?: z.ZodObject;
  /** Checks that need the task (train ids, output kind); runs after `params` parsed. Empty list = valid. */
  validate(params: Record<string, unknown>, task: Pick<Task, 'outputKind' | 'train' | 'corpus'>): string[];
  /**
   * Checks that need what the run will run with (the store's retrieval indexes), made before the run is created:
   * a rung that could never be prepared stops the run at once (exit 2) instead of after the rungs below it spent.
   */
  checkContext?(params: Record<string, unknown>, ctx: Pick<RunContext, 'retrievalIndexes'>): string[];
  /** The rung's id when the spec gives none (default: its kind). */
  defaultId?(params: Record<string, unknown>): string;
  /** What a call costs in tokens, for `--estimate` (default: one prompted call per example, no extras). */
  estimate?(params: Record<string, unknown>, model: { contextSize?: number }): RungEstimate;
  create(spec: RungSpec): Rung;
}
