import { APICallError, NoObjectGeneratedError, embedMany, generateText } from 'ai';
import { LadderError } from '../../core/errors.js';
import type { ModelSpec } from '../../core/task.js';
import type { GenerateRequest, GenerateResult, Model } from '../../core/types.js';
import { toModelCallError } from './map-error.js';
import { promptCacheKey, toSdkMessages } from './messages.js';
import { planOutput } from './output-options.js';
import { defaultApiKeyEnv, parseRemoteRef, publicUrl, type RemoteTarget } from './parse-ref.js';
import { createSdkModels } from './providers.js';
import { sensitiveHeaderValues } from './sensitive-headers.js';
import { toUsage } from './usage.js';

export { parseRemoteRef, publicUrl, defaultApiKeyEnv, type RemoteProvider, type RemoteTarget } from './parse-ref.js';
export { parseRetryAfter, redact, toModelCallError } from './map-error.js';
export { sensitiveHeaderValues } from './sensitive-headers.js';

type GenerateTextOptions = Parameters<typeof generateText>[0];

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
  const sdk = createSdkModels(target, apiKey, spec.headers);
  const fingerprint = remoteFingerprint(target);
  const where = `${spec.name} (${target.provider}:${target.modelId})`;
  // A compat server that rejects response_format is remembered and asked for plain text from then on.
  let structuredOutput = true;

  async function call(request: GenerateRequest, structured: boolean, signal?: AbortSignal): Promise<Omit<GenerateResult, 'latencyMs'>> {
    const plan = planOutput(request.output, target.provider, structured);
    const providerOptions: Record<string, Record<string, string | boolean>> = { ...plan.providerOptions };
    const cacheKey = target.provider === 'openai' ? promptCacheKey(request.messages, request.stablePrefixMessages) : undefined;
    if (cacheKey) providerOptions.openai = { ...providerOptions.openai, promptCacheKey: cacheKey };
    const options = {
      model: sdk.language,
      messages: toSdkMessages(request.messages, target.provider, request.stablePrefixMessages),
      // Our system messages come from the task's own instructions, not from untrusted input.
      allowSystemInMessages: true,
      // A label sent as structured output is wrapped ({"result": ...} plus whitespace a server's grammar allows):
      // up to ~40 tokens that the bare label does not need (seen with llama-server: every call hit a 16-token cap).
      maxOutputTokens: request.maxTokens + (plan.output && request.output.kind === 'label' ? 48 : 0),
      temperature: request.temperature,
      maxRetries: 0,
      abortSignal: signal,
      providerOptions,
      ...(plan.output ? { output: plan.output } : {}),
    } as GenerateTextOptions;
    try {
      const result = await generateText(options);
      const text = plan.output && request.output.kind === 'label' ? String(result.output) : result.text;
      return { text, usage: toUsage(result.usage), cached: false };
    } catch (error) {
      // The model answered but not in the schema: a quality problem for the metrics, not a failed call.
      if (NoObjectGeneratedError.isInstance(error)) return { text: error.text ?? '', usage: toUsage(error.usage), cached: false };
      throw error;
    }
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
        const wantsStructure = structuredOutput && request.output.kind !== 'text';
        try {
          const result = await call(request, structuredOutput, signal);
          return { ...result, latencyMs: performance.now() - started };
        } catch (error) {
          if (!(wantsStructure && target.provider === 'compat' && APICallError.isInstance(error) && error.statusCode === 400)) throw error;
          // Retry as plain text; only if that works was response_format the problem, so remember it.
          const result = await call(request, false, signal);
          structuredOutput = false;
          return { ...result, latencyMs: performance.now() - started };
        }
      } catch (error) {
        throw toModelCallError(error, where, secrets, signal);
      }
    },
  };
  if (sdk.embedding) {
    const embedding = sdk.embedding;
    model.embedWithUsage = async (texts, signal) => {
      try {
        signal?.throwIfAborted();
        const { embeddings, usage } = await embedMany({ model: embedding, values: texts, maxRetries: 0, abortSignal: signal });
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

