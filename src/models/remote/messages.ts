import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../core/types.js';
import type { RemoteProvider } from './parse-ref.js';
import type { ProviderPrompt } from './providers.js';

/**
 * Our chat messages as the provider's prompt (the AI SDK's language-model spec, what `generateText` would pass
 * to the provider after validating and converting its own message format; we build it directly — see
 * `index.ts` for why). Text messages map one to one: a system message keeps its string, user and assistant
 * messages become one text part. The stable prefix (request.stablePrefixMessages) gets the provider's
 * prompt-cache marker where caching is opt-in: Anthropic's `cache_control: ephemeral` on the prefix's last
 * message, so every later call with the same prefix reads it from the cache.
 */
export function toProviderPrompt(messages: ChatMessage[], provider: RemoteProvider, stablePrefixMessages = 0): ProviderPrompt {
  const markAt = provider === 'anthropic' && stablePrefixMessages > 0 ? Math.min(stablePrefixMessages, messages.length) - 1 : -1;
  return messages.map((m, i): ProviderPrompt[number] => {
    const providerOptions = i === markAt ? { anthropic: { cacheControl: { type: 'ephemeral' } } } : undefined;
    if (m.role === 'system') return { role: 'system', content: m.content, providerOptions };
    return { role: m.role === 'assistant' ? 'assistant' : 'user', content: [{ type: 'text', text: m.content }], providerOptions };
  });
}

/**
 * OpenAI caches prompt prefixes automatically; a `prompt_cache_key` derived from the stable prefix routes
 * calls sharing it to the same cache shard, which raises the hit rate. Undefined when there is no prefix.
 */
export function promptCacheKey(messages: ChatMessage[], stablePrefixMessages = 0): string | undefined {
  if (stablePrefixMessages <= 0) return undefined;
  const hash = createHash('sha256');
  for (const m of messages.slice(0, stablePrefixMessages)) hash.update(`${m.role}\u0000${m.content}\u0000`);
  return `ladder-${hash.digest('hex').slice(0, 32)}`;
}
