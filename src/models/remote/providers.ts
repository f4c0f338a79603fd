import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModel, LanguageModel } from 'ai';
import type { RemoteTarget } from './parse-ref.js';

/** The provider's language model as the AI SDK's v3 spec (what every provider package returns). */
export type ProviderLanguageModel = Extract<LanguageModel, { specificationVersion: 'v3' }>;
/** One call's options and prompt in that spec. */
export type ProviderCallOptions = Parameters<ProviderLanguageModel['doGenerate']>[0];
export type ProviderPrompt = ProviderCallOptions['prompt'];
export type ProviderGenerateResult = Awaited<ReturnType<ProviderLanguageModel['doGenerate']>>;

/** The AI SDK models behind one of our remote Models. `embedding` is absent when the provider has none. */
export interface SdkModels {
  language: ProviderLanguageModel;
  embedding?: EmbeddingModel;
}

/**
 * Builds the AI SDK provider with the key passed explicitly, so no provider ever reads process.env itself.
 * OpenAI goes through the Chat Completions API (`provider.chat`), which every OpenAI-compatible server and
 * the Batch API speak too.
 */
export function createSdkModels(target: RemoteTarget, apiKey: string | undefined, headers: Record<string, string> | undefined): SdkModels {
  const { modelId, baseUrl } = target;
  switch (target.provider) {
    case 'openai': {
      const provider = createOpenAI({ apiKey, baseURL: baseUrl, headers });
      return { language: provider.chat(modelId), embedding: provider.embeddingModel(modelId) };
    }
    case 'anthropic': {
      const provider = createAnthropic({ apiKey, baseURL: baseUrl, headers });
      return { language: provider(modelId) };
    }
    case 'google': {
      const provider = createGoogleGenerativeAI({ apiKey, baseURL: baseUrl, headers });
      return { language: provider(modelId), embedding: provider.embeddingModel(modelId) };
    }
    case 'compat': {
      const provider = createOpenAICompatible({
        name: 'compat',
        baseURL: baseUrl!,
        apiKey,
        headers,
        includeUsage: true,
        // Most servers (vLLM, llama.cpp, Ollama, LM Studio, OpenRouter) accept json_schema response formats;
        // the adapter falls back to plain text for a server that rejects them.
        supportsStructuredOutputs: true,
      });
      return { language: provider.chatModel(modelId), embedding: provider.embeddingModel(modelId) };
    }
  }
}
