import { z } from 'zod';

// OpenAI's chat request, as much of it as decides what we answer. Unknown fields (temperature, max_tokens...) are
// ignored: the served rung answers with the parameters it was evaluated with.
const textPart = z.object({ type: z.literal('text'), text: z.string() });
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() })])), z.null()]).optional(),
});
const chatRequest = z.object({
  model: z.string().optional(),
  messages: z.array(message).min(1),
  stream: z.boolean().optional(),
});

export type ChatRequestResult = { ok: true; input: string } | { ok: false; message: string; param: string };

/**
 * The input the served rung answers: the text of the last user message. Anything that is not a chat request —
 * `null`, an array, wrong types, no user text, a streaming request we cannot honour — is a reason, never a throw.
 */
export function parseChatRequest(body: unknown): ChatRequestResult {
  const parsed = chatRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.length ? issue.path.map(String).join('.') : 'body';
    return { ok: false, param, message: `not a chat completion request: ${param}: ${issue.message}` };
  }
  if (parsed.data.stream) return { ok: false, param: 'stream', message: 'streaming is not supported: send "stream": false' };
  const user = parsed.data.messages.findLast((m) => m.role === 'user');
  const content = user?.content;
  const text = typeof content === 'string' ? content : (content ?? []).flatMap((p) => ('text' in p && typeof p.text === 'string' ? [p.text] : [])).join('\n');
  if (!user || text.trim() === '') return { ok: false, param: 'messages', message: 'messages must contain a user message with text content' };
  return { ok: true, input: text };
}
