import { createHash, randomUUID } from 'node:crypto';
import type { FakeProviderOptions, FakeRequest } from './types.js';

/** The fake's tokenizer: one token per 4 characters, at least one. */
export function fakeTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

type Headers = FakeRequest['headers'];
type Json = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

function lastUser(messages: { role: string; content: string }[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') return messages[i].content;
  return '';
}

export function parseOpenAIChat(body: Json, headers: Headers): FakeRequest {
  const messages = ((body.messages as Json[]) ?? []).map((m) => ({ role: String(m.role), content: textOf(m.content) }));
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  // Server extensions: llama.cpp's `json_schema` and `grammar`, vLLM's `guided_json` and `guided_choice`.
  const schema =
    format?.type === 'json_schema' ? format.json_schema?.schema : format?.type === 'json_object' ? {} : (body.json_schema ?? body.guided_json ?? undefined);
  const choices = Array.isArray(body.guided_choice) ? body.guided_choice.map(String) : typeof body.grammar === 'string' ? grammarChoices(body.grammar) : undefined;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = typeof limit === 'number' ? limit : undefined;
  return { api: 'openai', model: String(body.model ?? ''), messages, lastUserMessage: lastUser(messages), schema, choices, maxTokens, headers };
}

/** The alternatives of a one-rule GBNF grammar `root ::= "a" | "b"` (what a label grammar is). */
function grammarChoices(grammar: string): string[] | undefined {
  const rule = /^\s*root\s*::=\s*(.+)$/s.exec(grammar)?.[1];
  if (!rule) return undefined;
  const parts = rule.split('|').map((p) => p.trim());
  try {
    return parts.map((p) => JSON.parse(p) as string);
  } catch {
    return undefined;
  }
}

/** Anthropic request plus the text blocks in prompt order, each with whether it carries cache_control. */
export interface PromptBlock {
  role: string;
  text: string;
  marked: boolean;
}

export function parseAnthropic(body: Json, headers: Headers): { request: FakeRequest; blocks: PromptBlock[]; jsonTool?: string } {
  const blocks: PromptBlock[] = [];
  const messages: { role: string; content: string }[] = [];
  const pushContent = (role: string, content: unknown) => {
    const parts = typeof content === 'string' ? [{ text: content }] : Array.isArray(content) ? (content as Json[]) : [];
    let text = '';
    for (const p of parts) {
      const t = typeof p.text === 'string' ? p.text : '';
      blocks.push({ role, text: t, marked: p.cache_control != null });
      text += t;
    }
    messages.push({ role, content: text });
  };
  if (body.system !== undefined) pushContent('system', body.system);
  for (const m of (body.messages as Json[]) ?? []) pushContent(String(m.role), m.content);
  const outputFormat = (body.output_config as { format?: { schema?: unknown } } | undefined)?.format;
  const tools = (body.tools as { name: string; input_schema?: unknown }[] | undefined) ?? [];
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  const forced = choice && (choice.type === 'any' || choice.type === 'tool') ? (tools.find((t) => t.name === choice.name) ?? tools[0]) : undefined;
  const schema = outputFormat?.schema ?? forced?.input_schema;
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const request: FakeRequest = { api: 'anthropic', model: String(body.model ?? ''), messages, lastUserMessage: lastUser(messages), schema, maxTokens, headers };
  return { request, blocks, jsonTool: forced?.name };
}

/** The responder's text, made to fit the requested schema the way a constrained decoder would. */
export function answerFor(options: FakeProviderOptions, request: FakeRequest): string {
  const text = options.responder
    ? options.responder(request)
    : (options.answers?.[request.lastUserMessage] ?? `echo: ${request.lastUserMessage}`);
  if (request.choices) return request.choices.find((c) => text.includes(c)) ?? request.choices[0];
  if (request.schema === undefined) return text;
  try {
    JSON.parse(text);
    return text;
  } catch {
    const labels = enumOfResult(request.schema);
    if (labels) return JSON.stringify({ result: labels.find((l) => text.includes(l)) ?? labels[0] });
    return JSON.stringify(sampleOf(request.schema));
  }
}

function enumOfResult(schema: unknown): string[] | undefined {
  const values = (schema as { properties?: { result?: { enum?: unknown } } })?.properties?.result?.enum;
  return Array.isArray(values) ? values.map(String) : undefined;
}

/** A minimal instance of a JSON Schema (first enum value, empty strings and arrays, zeros). */
export function sampleOf(schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: unknown; enum?: unknown[]; properties?: Record<string, unknown>; const?: unknown };
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'string') return '';
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (type === 'array') return [];
  if (type === 'null') return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.properties ?? {})) out[k] = sampleOf(v);
  return out;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** OpenAI-style automatic prefix cache at message granularity: the longest previously seen prefix is cached. */
export function openaiCachedTokens(cache: Set<string>, model: string, messages: { role: string; content: string }[]): number {
  let cached = 0;
  let running = model;
  let tokens = 0;
  for (let k = 0; k < messages.length - 1; k++) {
    running = hashOf(`${running}\u0000${messages[k].role}\u0000${messages[k].content}`);
    tokens += fakeTokens(messages[k].content);
    if (cache.has(running)) cached = tokens;
    else cache.add(running);
  }
  return cached;
}

/** Anthropic-style explicit cache: the prefix up to the last cache_control block is written once, then read. */
export function anthropicCache(cache: Set<string>, model: string, blocks: PromptBlock[]): { read: number; write: number } {
  let last = -1;
  blocks.forEach((b, i) => {
    if (b.marked) last = i;
  });
  if (last < 0) return { read: 0, write: 0 };
  const prefix = blocks.slice(0, last + 1);
  const key = hashOf([model, ...prefix.map((b) => `${b.role}:${b.text}`)].join('\u0000'));
  const tokens = prefix.reduce((n, b) => n + fakeTokens(b.text), 0);
  if (cache.has(key)) return { read: tokens, write: 0 };
  cache.add(key);
  return { read: 0, write: tokens };
}

/**
 * Like a real server, an answer is cut at max_tokens (finish_reason "length"); `ignoreMaxTokens` plays a server
 * that does not honour it.
 */
export function openaiChatBody(request: FakeRequest, fullText: string, cachedTokens: number, ignoreMaxTokens = false): Json {
  const prompt = request.messages.reduce((n, m) => n + fakeTokens(m.content), 0);
  const cut = !ignoreMaxTokens && request.maxTokens !== undefined && fakeTokens(fullText) > request.maxTokens;
  const text = cut ? fullText.slice(0, request.maxTokens! * 4) : fullText;
  const completion = fakeTokens(text);
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: cut ? 'length' : 'stop' }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: Math.min(cachedTokens, prompt) },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** Anthropic's input_tokens excludes cache reads and writes; the three add up to the whole prompt. */
export function anthropicMessageBody(request: FakeRequest, fullText: string, cache: { read: number; write: number }, jsonTool?: string, ignoreMaxTokens = false): Json {
  const prompt = request.messages.reduce((n, m) => n + fakeTokens(m.content), 0);
  // Like the real API, a text answer stops at max_tokens (stop_reason "max_tokens"); a forced tool call is whole.
  const cut = !jsonTool && !ignoreMaxTokens && request.maxTokens !== undefined && fakeTokens(fullText) > request.maxTokens;
  const text = cut ? fullText.slice(0, request.maxTokens! * 4) : fullText;
  const content = jsonTool
    ? [{ type: 'tool_use', id: `toolu_${randomUUID().slice(0, 12)}`, name: jsonTool, input: JSON.parse(text) }]
    : [{ type: 'text', text }];
  return {
    id: `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: jsonTool ? 'tool_use' : cut ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: Math.max(0, prompt - cache.read - cache.write),
      cache_read_input_tokens: cache.read,
      cache_creation_input_tokens: cache.write,
      output_tokens: fakeTokens(text),
    },
  };
}

/** A deterministic unit vector for a text (8 dimensions). */
export function fakeEmbedding(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  const v = Array.from({ length: 8 }, (_, i) => digest.readInt16BE(i * 2) / 32768);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
