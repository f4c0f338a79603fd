import type { EmbeddingModel, LanguageModel } from 'ai';
import type { RemoteProvider, RemoteTarget } from './parse-ref.js';

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

/** Whether the provider's package has an embedding model (known before the package is loaded). */
export function providerEmbeds(provider: RemoteProvider): boolean {
  return provider !== 'anthropic';
}

/**
 * Builds the AI SDK provider with the key passed explicitly, so no provider ever reads process.env itself.
 * OpenAI goes through the Chat Completions API (`provider.chat`), which every OpenAI-compatible server and
 * the Batch API speak too. Only the target's provider package is loaded (on the first call): a run on one
 * provider does not pay for loading the other three at start-up (issue 18). Every provider sends through
 * `createLeanFetch` (Node's http/https client, keep-alive pools per model): the same requests and responses at
 * a third of WHATWG fetch's CPU per call, with nothing to load (see lean-fetch.ts).
 */
export async function createSdkModels(target: RemoteTarget, apiKey: string | undefined, headers: Record<string, string> | undefined): Promise<SdkModels> {
  const { modelId, baseUrl } = target;
  const fetch = (await import('./lean-fetch.js')).createLeanFetch();
  switch (target.provider) {
    case 'openai': {
      const { createOpenAI } = await import('@ai-sdk/openai');
      const provider = createOpenAI({ apiKey, baseURL: baseUrl, headers, fetch });
      return { language: provider.chat(modelId), embedding: provider.embeddingModel(modelId) };
    }
    case 'anthropic': {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      const provider = createAnthropic({ apiKey, baseURL: baseUrl, headers, fetch });
      return { language: provider(modelId) };
    }
    case 'google': {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      const provider = createGoogleGenerativeAI({ apiKey, baseURL: baseUrl, headers, fetch });
      return { language: provider(modelId), embedding: provider.embeddingModel(modelId) };
    }
    case 'compat': {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const provider = createOpenAICompatible({
        name: 'compat',
        baseURL: baseUrl!,
        apiKey,
        headers,
        fetch,
        includeUsage: true,
        // Most servers (vLLM, llama.cpp, Ollama, LM Studio, OpenRouter) accept json_schema response formats;
        // the adapter falls back to plain text for a server that rejects them.
        supportsStructuredOutputs: true,
      });
      return { language: provider.chatModel(modelId), embedding: provider.embeddingModel(modelId) };
    }
  }
}
