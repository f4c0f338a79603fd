import { APICallError, NoObjectGeneratedError, NoOutputGeneratedError, embedMany, type JSONValue } from 'ai';
import { LadderError, ModelCallError } from '../../core/errors.js';
import type { ModelSpec } from '../../core/task.js';
import type { GenerateRequest, GenerateResult, Model, OutputConstraint } from '../../core/types.js';
import { toModelCallError } from './map-error.js';
import { promptCacheKey, toProviderPrompt } from './messages.js';
import { planOutput, type OutputPlan } from './output-options.js';
import { defaultApiKeyEnv, parseRemoteRef, publicUrl, type RemoteTarget } from './parse-ref.js';
import { createSdkModels, providerEmbeds, type ProviderGenerateResult, type SdkModels } from './providers.js';
import { sensitiveHeaderValues } from './sensitive-headers.js';
import { type SdkUsage, toUsage } from './usage.js';

export { parseRemoteRef, publicUrl, defaultApiKeyEnv, type RemoteProvider, type RemoteTarget } from './parse-ref.js';
export { parseRetryAfter, redact, toModelCallError } from './map-error.js';
export { sensitiveHeaderValues } from './sensitive-headers.js';

/** What one HTTP call gave back, before we decide whether the answer is usable. */
interface RawAnswer {
  text: string;
  usage: GenerateResult['usage'];
  finishReason?: string;
  /** max_tokens as sent. */
  maxOutputTokens: number;
}

/**
 * A Model for `openai:<model>`, `anthropic:<model>`, `google:<model>` or `compat:<base-url>#<model>`,
 * through the Vercel AI SDK. The adapter makes exactly one HTTP attempt per call (`maxRetries: 0`):
 * retries, rate limits and timeouts belong to withResilience. The API key is read once, here, from
 * `env[spec.apiKeyEnv ?? provider default]` and never leaves the provider client (not in errors, the
 * fingerprint or logs).
 */
export function createRemoteModel(spec: ModelSpec, env: NodeJS.ProcessEnv): Model {
  const target = parseRemoteRef(spec.ref, spec.baseUrl);
  const apiKey = resolveApiKey(spec, target, env);
  const secrets = [apiKey ?? '', ...sensitiveHeaderValues(spec.headers)].filter((s) => s.length > 3);
  // The provider package is loaded on the first call, once (see createSdkModels).
  let loaded: Promise<SdkModels> | undefined;
  const sdk = () => (loaded ??= createSdkModels(target, apiKey, spec.headers));
  const fingerprint = remoteFingerprint(target);
  const where = `${spec.name} (${target.provider}:${target.modelId})`;
  // A compat server that rejects its constraint (response_format, grammar, guided_*) is remembered and asked
  // for plain text from then on.
  let structuredOutput = true;
  // One output plan per constraint (a rung sends its task's, the same object every call) and mode, not one per
  // call: building it (an AI SDK Output and its JSON schema) showed in the 2,000-call profile (issue 18). A plan
  // is read-only: its providerOptions are copied into each call's.
  const plans = new WeakMap<OutputConstraint, Map<boolean, OutputPlan>>();
  const planFor = (constraint: OutputConstraint, structured: boolean): OutputPlan => {
    let byMode = plans.get(constraint);
    if (!byMode) plans.set(constraint, (byMode = new Map()));
    let plan = byMode.get(structured);
    if (!plan) byMode.set(structured, (plan = planOutput(constraint, target.provider, structured, spec.constraints)));
    return plan;
  };

  // Straight to the provider's doGenerate, not through `generateText`: for our text-only messages generateText
  // adds a zod validation of the whole prompt, telemetry spans and a retry wrapper per call (retries are
  // withResilience's) — about a third of the CPU of a remote call in the 2,000-call profile (issue 18). The
  // provider packages still build the request, send it and parse the response exactly as before.
  async function call(request: GenerateRequest, structured: boolean, signal?: AbortSignal): Promise<RawAnswer> {
    const plan = planFor(request.output, structured);
    const providerOptions: Record<string, Record<string, JSONValue>> = { ...plan.providerOptions };
    const cacheKey = target.provider === 'openai' ? promptCacheKey(request.messages, request.stablePrefixMessages) : undefined;
    if (cacheKey) providerOptions.openai = { ...providerOptions.openai, promptCacheKey: cacheKey };
    const maxOutputTokens = request.maxTokens + plan.extraOutputTokens;
    const result = await (await sdk()).language.doGenerate({
      prompt: toProviderPrompt(request.messages, target.provider, request.stablePrefixMessages),
      // A label sent as structured output is wrapped ({"result": ...} plus whitespace a server's grammar allows):
      // the plan adds room for the wrapper (seen with llama-server: every call hit a 16-token cap without it).
      maxOutputTokens,
      temperature: request.temperature,
      abortSignal: signal,
      providerOptions,
      ...(plan.output ? { responseFormat: await plan.output.responseFormat } : {}),
    });
    const raw = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    const usage = toUsage(fromProviderUsage(result.usage));
    const finishReason = result.finishReason.unified;
    // A label comes back wrapped as {"result": <label>}: unwrapped the way generateText's Output.choice does. An
    // answer outside the schema is a quality problem for the metrics, not a failed call: its text is kept as sent
    // (the rung's parser reads a bare or wrapped label either way; TRUNCATED is still `checked`'s to report).
    let text = raw;
    if (plan.output && request.output.kind === 'label') {
      // Like generateText: no answer to parse (empty and not a normal stop) is a bad response, not a wrong label.
      if (!(finishReason === 'stop' || (finishReason !== 'tool-calls' && raw.length > 0))) throw new NoOutputGeneratedError();
      try {
        text = String(await plan.output.parseCompleteOutput({ text: raw }, { response: { id: '', timestamp: new Date(0), modelId: target.modelId }, usage: fromProviderUsage(result.usage) as never, finishReason }));
      } catch (error) {
        if (!NoObjectGeneratedError.isInstance(error)) throw error;
      }
    }
    return { text, usage, finishReason, maxOutputTokens };
  }

  /**
   * A billed answer we cannot use is its own error kind, with what was billed kept for the row and the budget:
   * TRUNCATED when it stopped at max_tokens, ANSWER_TOO_LONG when the server ignored max_tokens, REFUSED when a
   * content filter stopped it. Not retried: the same request would do the same.
   */
  function checked(answer: RawAnswer, latencyMs: number): Omit<GenerateResult, 'latencyMs'> {
    const billed = { text: answer.text, usage: answer.usage, latencyMs };
    if (answer.usage.outputTokens > answer.maxOutputTokens) {
      throw new ModelCallError(`${where}: the server sent ${answer.usage.outputTokens} output tokens (${answer.text.length} characters) for max_tokens ${answer.maxOutputTokens}`, {
        code: 'ANSWER_TOO_LONG',
        isRetryable: false,
        billed,
      });
    }
    if (answer.finishReason === 'length') {
      throw new ModelCallError(`${where}: the answer stopped at max_tokens (${answer.maxOutputTokens}); raise execution.max_tokens`, { code: 'TRUNCATED', isRetryable: false, billed });
    }
    if (answer.finishReason === 'content-filter') {
      throw new ModelCallError(`${where}: the provider's content filter stopped the answer`, { code: 'REFUSED', isRetryable: false, billed });
    }
    return { text: answer.text, usage: answer.usage, cached: false };
  }

  const model: Model = {
    ref: spec.ref,
    fingerprint,
    hosting: 'remote',
    contextSize: spec.contextSize,
    async generate(request, signal) {
      const started = performance.now();
      try {
        signal?.throwIfAborted();
        const wantsStructure = structuredOutput && request.output.kind !== 'text' && spec.constraints !== 'none';
        let answer: RawAnswer;
        try {
          answer = await call(request, structuredOutput, signal);
        } catch (error) {
          if (!(wantsStructure && target.provider === 'compat' && APICallError.isInstance(error) && error.statusCode === 400)) throw error;
          // Retry as plain text; only if that works was the constraint the problem, so remember it.
          answer = await call(request, false, signal);
          structuredOutput = false;
        }
        const latencyMs = performance.now() - started;
        return { ...checked(answer, latencyMs), latencyMs };
      } catch (error) {
        throw toModelCallError(error, where, secrets, signal);
      }
    },
  };
  if (providerEmbeds(target.provider)) {
    model.embedWithUsage = async (texts, signal) => {
      try {
        signal?.throwIfAborted();
        const { embedding } = await sdk();
        // providerEmbeds said this provider has one.
        const { embeddings, usage } = await embedMany({ model: embedding!, values: texts, maxRetries: 0, abortSignal: signal });
        // Embedding APIs bill input tokens only; a server that reports none is priced at 0 tokens, not guessed.
        return { vectors: embeddings.map((e) => Float32Array.from(e)), usage: { inputTokens: usage?.tokens ?? 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 } };
      } catch (error) {
        throw toModelCallError(error, where, secrets, signal);
      }
    };
    model.embed = async (texts, signal) => (await model.embedWithUsage!(texts, signal)).vectors;
  }
  return model;
}

/** The provider spec's usage in the shape generateText reports (`asLanguageModelUsage` in the AI SDK). */
function fromProviderUsage(usage: ProviderGenerateResult['usage']): SdkUsage {
  return {
    inputTokens: usage.inputTokens.total,
    inputTokenDetails: { cacheReadTokens: usage.inputTokens.cacheRead, cacheWriteTokens: usage.inputTokens.cacheWrite },
    outputTokens: usage.outputTokens.total,
  };
}

/** provider + model id + base URL: what decides the outputs, never a secret. */
export function remoteFingerprint(target: RemoteTarget): string {
  return `${target.provider}:${target.modelId}@${target.baseUrl ? publicUrl(target.baseUrl) : 'default'}`;
}

function resolveApiKey(spec: ModelSpec, target: RemoteTarget, env: NodeJS.ProcessEnv): string | undefined {
  const name = spec.apiKeyEnv ?? defaultApiKeyEnv[target.provider];
  if (!name) return undefined;
  const key = env[name];
  if (!key) {
    throw new LadderError('INPUT_INVALID', `model "${spec.name}" (${spec.ref}) needs an API key: set the environment variable ${name}`, {
      exitCode: 2,
    });
  }
  return key;
}

