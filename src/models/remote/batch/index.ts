import { LadderError } from '../../../core/errors.js';
import type { ModelSpec } from '../../../core/task.js';
import { defaultApiKeyEnv, parseRemoteRef } from '../parse-ref.js';
import { createAnthropicBatchClient } from './anthropic-batch.js';
import { createOpenAIBatchClient } from './openai-batch.js';
import type { BatchClient, FetchLike } from './types.js';

export type { BatchClient, BatchItem, BatchPoll, BatchStatus, FetchLike } from './types.js';
export { runBatch, type BatchOutcome, type BatchPersist, type RunBatchDeps } from './run-batch.js';
export { createOpenAIBatchClient, openaiChatBody } from './openai-batch.js';
export { createAnthropicBatchClient, anthropicParams, anthropicWireId } from './anthropic-batch.js';

/**
 * The batch client for a model spec: OpenAI Batch for `openai:`, Message Batches for `anthropic:`.
 * Other providers have no batch API here: MODEL_UNSUPPORTED (the runner then calls them online).
 */
export function createBatchClient(spec: ModelSpec, env: NodeJS.ProcessEnv, deps: { fetch?: FetchLike } = {}): BatchClient {
  const target = parseRemoteRef(spec.ref, spec.baseUrl);
  if (target.provider !== 'openai' && target.provider !== 'anthropic') {
    throw new LadderError('MODEL_UNSUPPORTED', `model "${spec.name}" (${spec.ref}): no batch API for provider ${target.provider}`);
  }
  const keyEnv = spec.apiKeyEnv ?? defaultApiKeyEnv[target.provider]!;
  const apiKey = env[keyEnv];
  if (!apiKey) throw new LadderError('INPUT_INVALID', `model "${spec.name}" (${spec.ref}) needs an API key: set the environment variable ${keyEnv}`, { exitCode: 2 });
  const common = { model: target.modelId, apiKey, headers: spec.headers, fetch: deps.fetch };
  return target.provider === 'openai'
    ? createOpenAIBatchClient({ ...common, baseUrl: target.baseUrl ?? 'https://api.openai.com/v1' })
    : createAnthropicBatchClient({ ...common, baseUrl: target.baseUrl ?? 'https://api.anthropic.com/v1' });
}
