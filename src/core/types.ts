/**
 * The few concepts every part of Ladder speaks. The core (evaluation, economics, advisor) depends only on
 * these interfaces, never on a concrete provider, rung or metric.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What a task's answer looks like; it drives decoding constraints and the metrics that apply. */
export type OutputKind = 'text' | 'label' | 'json';

/** One labelled example of the task. `source` points back into the data file for error messages. */
export interface Example {
  id: string;
  input: string;
  /** A string for text/label tasks, an object for json tasks; text tasks may accept several answers. */
  expected: JsonValue;
  /** Extra columns (context, doc_id, gold passages...) that some rungs and metrics read. */
  meta: JsonObject;
  source?: { file: string; line: number };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** How the model's output must be constrained: free text, one of a closed label set, or JSON Schema. */
export type OutputConstraint =
  | { kind: 'text' }
  | { kind: 'label'; labels: string[] }
  | { kind: 'json'; schema: JsonObject };

export interface GenerateRequest {
  messages: ChatMessage[];
  output: OutputConstraint;
  maxTokens: number;
  /** 0 = greedy (the default everywhere in Ladder). */
  temperature: number;
  /**
   * How many leading messages are the same for every call of a rung (instructions, examples, a stuffed
   * corpus). Providers with opt-in prompt caching mark this prefix; the local engine reuses its KV cache.
   */
  stablePrefixMessages?: number;
}

/** What a wrapper of a model may ask of the layers under it for one generate or embed call (wrappers pass it down). */
export interface CallHooks {
  /**
   * Called by the retrying layer before it sends an attempt again after an earlier attempt lost its answer — given
   * up at its timeout, or a 2xx cut mid-answer or unreadable (the provider may have billed it): the budget counts
   * the lost attempt, holds the new attempt's worst case first, and a rejection (BUDGET_EXCEEDED) stops the call.
   */
  beforeRetryAfterLostAnswer?: (signal?: AbortSignal) => Promise<void>;
}

/** Token usage as the provider reports it. `cachedInputTokens` is included in `inputTokens`. */
export interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

export interface GenerateResult {
  text: string;
  usage: Usage;
  latencyMs: number;
  /** True when the answer came from Ladder's response cache and no model was called. */
  cached: boolean;
  /**
   * Earlier attempts of this call whose answer was lost after the request was sent (given up at their timeout, or
   * a 2xx cut or unreadable): the provider may have billed them, so the budget counts each at its worst case
   * (their usage is never known, nor in `usage`).
   */
  abandonedAttempts?: number;
}

/** One small interface for every model: local GGUF, any AI SDK provider, an OpenAI-compatible URL. */
export interface Model {
  /** e.g. "local:smollm2-135m", "openai:gpt-5-mini", "compat:http://127.0.0.1:8080/v1#tiny" */
  readonly ref: string;
  /**
   * A stable identity of the weights and serving parameters that affect outputs (a file's sha256, a
   * provider's model id). Part of the response-cache key; never contains secrets.
   */
  readonly fingerprint: string;
  /** Where the model runs: decides hosting economics and "must run on our own hardware" constraints. */
  readonly hosting: 'local' | 'remote';
  /** Context window in tokens, when known. */
  readonly contextSize?: number;
  /**
   * A sentence encoder (e.g. all-MiniLM-L6-v2): `embed` gives a pooled sentence vector and `generate` is
   * unsupported. Decides, e.g., that no "summarize in one word" prompt wraps its inputs.
   */
  readonly embeddingOnly?: boolean;
  generate(request: GenerateRequest, signal?: AbortSignal, hooks?: CallHooks): Promise<GenerateResult>;
  embed?(texts: string[], signal?: AbortSignal, hooks?: CallHooks): Promise<Float32Array[]>;
  /**
   * `embed` with the tokens the provider billed (remote embedding APIs), so ingest and query embeddings are
   * priced like any call. Models whose embeddings cost nothing per token (local) need not have it.
   */
  embedWithUsage?(texts: string[], signal?: AbortSignal, hooks?: CallHooks): Promise<EmbedResult>;
  /** Count tokens the way this model does, when it can (used for estimates and context budgets). */
  countTokens?(text: string): Promise<number>;
  dispose?(): Promise<void>;
}

export interface EmbedResult {
  vectors: Float32Array[];
  /** Billed input tokens are in inputTokens; the other fields are 0. */
  usage: Usage;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
}
