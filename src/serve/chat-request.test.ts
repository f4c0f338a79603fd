import { describe, expect, it } from 'vitest';
import { parseChatRequest } from './chat-request.js';

describe('parseChatRequest', () => {
  it.each([
    ['null', null, 'body'],
    ['an array', [{ role: 'user', content: 'hi' }], 'body'],
    ['a string', 'hi', 'body'],
    ['a number', 42, 'body'],
    ['no messages', {}, 'messages'],
    ['messages not an array', { messages: 'hi' }, 'messages'],
    ['empty messages', { messages: [] }, 'messages'],
    ['a null message', { messages: [null] }, 'messages.0'],
    ['an unknown role', { messages: [{ role: 'root', content: 'hi' }] }, 'messages.0.role'],
    ['content of the wrong type', { messages: [{ role: 'user', content: 7 }] }, 'messages.0.content'],
    ['model of the wrong type', { model: 5, messages: [{ role: 'user', content: 'hi' }] }, 'model'],
    ['no user message', { messages: [{ role: 'system', content: 'be nice' }] }, 'messages'],
    ['blank user text', { messages: [{ role: 'user', content: '   ' }] }, 'messages'],
    ['only an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages'],
    ['a streaming request', { stream: true, messages: [{ role: 'user', content: 'hi' }] }, 'stream'],
  ])('refuses %s', (_, body, param) => {
    const result = parseChatRequest(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.param).toBe(param);
  });

  it('answers the last user message, string or text parts', () => {
    expect(parseChatRequest({ messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: null }, { role: 'user', content: 'second' }] })).toEqual({ ok: true, input: 'second' });
    expect(parseChatRequest({ model: 'x', temperature: 1, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] })).toEqual({ ok: true, input: 'a\nb' });
  });
});
