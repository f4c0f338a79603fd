import type { Usage } from '../../core/types.js';

/** The subset of the AI SDK's LanguageModelUsage we read (kept structural so tests can build one). */
export interface SdkUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  inputTokenDetails?: { cacheReadTokens?: number | undefined; cacheWriteTokens?: number | undefined };
  cachedInputTokens?: number | undefined;
}

/**
 * Maps AI SDK 6 usage to ours. The SDK's `inputTokens` already includes cache reads and writes for every
 * provider (OpenAI's prompt_tokens includes cached_tokens; the Anthropic adapter adds cache_read and
 * cache_creation to input_tokens), which is what our Usage.inputTokens means too.
 */
export function toUsage(usage: SdkUsage | undefined): Usage {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    cachedInputTokens: usage?.inputTokenDetails?.cacheReadTokens ?? usage?.cachedInputTokens ?? 0,
    cacheWriteTokens: usage?.inputTokenDetails?.cacheWriteTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
  };
}
