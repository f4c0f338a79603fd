import type { Task } from '../core/task.js';
import type { ChatMessage, Example, GenerateRequest, JsonValue } from '../core/types.js';

/**
 * How every prompted rung renders its messages, so rungs differ only in what they add (examples, context).
 * Layout: [system: instructions + output format (+ stable context)] [user/assistant example pairs] [user: input].
 * What is the same for every call comes first, so providers' prompt caches and the local KV cache reuse it.
 */

export function formatInstructions(task: Pick<Task, 'instructions' | 'output'>): string {
  const parts = [task.instructions.trim()];
  if (task.output.kind === 'label') {
    parts.push(`Answer with exactly one of these labels and nothing else:\n${task.output.labels.map((l) => `- ${l}`).join('\n')}`);
  } else if (task.output.kind === 'json') {
    parts.push(`Answer with one JSON object that matches this JSON Schema, and nothing else:\n${JSON.stringify(task.output.schema)}`);
  }
  return parts.join('\n\n');
}

/** The text an example's expected answer is shown as in a few-shot block. */
export function renderAnswer(expected: JsonValue): string {
  if (typeof expected === 'string') return expected;
  if (Array.isArray(expected) && expected.every((e) => typeof e === 'string')) return String(expected[0] ?? '');
  return JSON.stringify(expected);
}

export interface PromptParts {
  /** Extra stable text appended to the system message (e.g. a stuffed corpus). */
  stableContext?: string;
  examples?: Example[];
  /** Whether the examples are the same for every call (fixed/random) and so part of the stable prefix. */
  examplesAreStable?: boolean;
  /** Per-call context placed before the input (e.g. retrieved passages). */
  context?: string;
}

export function renderMessages(task: Pick<Task, 'instructions' | 'output'>, input: string, parts: PromptParts = {}): {
  messages: ChatMessage[];
  stablePrefixMessages: number;
} {
  let system = formatInstructions(task);
  if (parts.stableContext) system += `\n\n${parts.stableContext}`;
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const example of parts.examples ?? []) {
    messages.push({ role: 'user', content: example.input });
    messages.push({ role: 'assistant', content: renderAnswer(example.expected) });
  }
  const user = parts.context ? `${parts.context}\n\n${input}` : input;
  messages.push({ role: 'user', content: user });
  const stablePrefixMessages = 1 + (parts.examplesAreStable ? (parts.examples?.length ?? 0) * 2 : 0);
  return { messages, stablePrefixMessages };
}

/** The request a prompted rung sends, with the task's output constraint and execution settings. */
export function buildRequest(task: Pick<Task, 'output' | 'execution'>, rendered: { messages: ChatMessage[]; stablePrefixMessages: number }): GenerateRequest {
  return {
    messages: rendered.messages,
    output: task.output,
    maxTokens: task.execution.maxTokens,
    temperature: 0,
    stablePrefixMessages: rendered.stablePrefixMessages,
  };
}

/**
 * Turns raw model text into the answer metrics score. Never throws: an unparseable answer is null.
 * A label matches only the *whole* answer after this normalisation: trimmed; a `{"result": …}` JSON wrapper
 * (structured output) unwrapped; surrounding quotes/backticks and trailing periods dropped; case folded.
 * Never a prefix or a mention: "Hardware AAAA…" is not the label Hardware.
 */
export function parseAnswer(task: Pick<Task, 'output'>, text: string): JsonValue {
  const trimmed = text.trim();
  if (task.output.kind === 'label') {
    const labels = task.output.labels;
    const candidate = unwrapResult(trimmed);
    const exact = labels.find((l) => l === candidate);
    if (exact) return exact;
    const folded = normaliseLabel(candidate);
    return labels.find((l) => normaliseLabel(l) === folded) ?? null;
  }
  if (task.output.kind === 'json') return parseJsonLoose(trimmed);
  return trimmed;
}

function normaliseLabel(text: string): string {
  return text.trim().replace(/^["'`]+|["'`.]+$/g, '').trim().toLowerCase();
}

/** `{"result": "X"}` → `X` (a label sent as structured output); anything else unchanged. */
function unwrapResult(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const value = JSON.parse(text) as { result?: unknown };
    return typeof value?.result === 'string' ? value.result.trim() : text;
  } catch {
    return text;
  }
}

/** Parses the first JSON object in the text (models sometimes wrap it in prose or code fences). */
export function parseJsonLoose(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1)) as JsonValue;
      } catch {
        return null;
      }
    }
    return null;
  }
}
