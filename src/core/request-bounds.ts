import type { ChatMessage, GenerateRequest } from './types.js';

/**
 * Guaranteed upper bounds on what one call can be billed for, without a tokenizer. Byte-level BPE tokenizers
 * (OpenAI, Anthropic, Llama, Qwen, SmolLM...) never make more tokens than UTF-8 bytes; chat templates add a few
 * special tokens per message and a reply primer. Over-counting only makes the budget stop a little earlier.
 */
export const PER_MESSAGE_OVERHEAD_TOKENS = 8;
export const PER_REQUEST_OVERHEAD_TOKENS = 16;

/**
 * Output tokens a structured answer needs beyond the answer itself: `{"result": "…"}` plus whatever whitespace a
 * server's JSON grammar allows (llama-server let SmolLM2 write `{\n  "result"…` and hit a 16-token cap).
 */
export const JSON_WRAPPER_TOKENS = 48;

export function inputTokenUpperBound(messages: ChatMessage[]): number {
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.content, 'utf8') + Buffer.byteLength(m.role, 'utf8');
  return bytes + messages.length * PER_MESSAGE_OVERHEAD_TOKENS + PER_REQUEST_OVERHEAD_TOKENS;
}

/** The most output tokens any adapter asks for on this request (max_tokens, plus the JSON wrapper for labels). */
export function outputTokenUpperBound(request: Pick<GenerateRequest, 'maxTokens' | 'output'>): number {
  return request.maxTokens + (request.output.kind === 'label' ? JSON_WRAPPER_TOKENS : 0);
}

/** Answer size cap in characters when the spec sets none: generous for max_tokens (a token is rarely over 16 characters). */
export function defaultMaxAnswerChars(maxTokens: number): number {
  return Math.max(4096, (maxTokens + JSON_WRAPPER_TOKENS) * 32);
}
