import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCallError } from '../../core/errors.js';
import type { GenerateRequest } from '../../core/types.js';
import { parseAnswer } from '../../rungs/prompt.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { createRemoteModel } from './index.js';

const labels = ['Access', 'Hardware'];
const label = (input: string, maxTokens = 4): GenerateRequest => ({ messages: [{ role: 'user', content: input }], output: { kind: 'label', labels }, maxTokens, temperature: 0 });
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({
    responder: (r) => (r.lastUserMessage.startsWith('long') ? 'word '.repeat(200) : r.lastUserMessage.includes('password') ? 'Access' : 'Hardware'),
  });
});
afterAll(async () => fake?.close());

describe('compat: constraints a server understands', () => {
  it.each([
    ['json_schema', 'response_format'],
    ['grammar', 'grammar'],
    ['guided_choice', 'guided_choice'],
    ['guided_json', 'guided_json'],
  ] as const)('%s sends %s, and the answer parses to the label', async (mode, field) => {
    const before = fake.counters.constraintFields[field] ?? 0;
    const model = createRemoteModel({ name: 'm', ref: `compat:${fake.baseUrl}#tiny`, constraints: mode }, {});
    const result = await model.generate(label('my password expired'));
    expect(parseAnswer({ output: { kind: 'label', labels } }, result.text)).toBe('Access');
    expect(fake.counters.constraintFields[field]).toBe(before + 1);
  });

  it('none sends no constraint field at all', async () => {
    const before = JSON.stringify(fake.counters.constraintFields);
    const model = createRemoteModel({ name: 'm', ref: `compat:${fake.baseUrl}#tiny`, constraints: 'none' }, {});
    await model.generate(label('screen broken', 8));
    expect(JSON.stringify(fake.counters.constraintFields)).toBe(before);
  });

  it('an answer cut at max_tokens is TRUNCATED, keeping what was billed', async () => {
    const model = createRemoteModel({ name: 'm', ref: `compat:${fake.baseUrl}#tiny` }, {});
    const error = (await model.generate({ messages: [{ role: 'user', content: 'long story' }], output: { kind: 'text' }, maxTokens: 16, temperature: 0 }).catch((e) => e)) as ModelCallError;
    expect(error.code).toBe('TRUNCATED');
    expect(error.isRetryable).toBe(false);
    expect(error.billed?.usage.outputTokens).toBe(16);
  });
});

describe('a server that ignores max_tokens', () => {
  it('is ANSWER_TOO_LONG (not retried), with the billed usage kept', async () => {
    const rogue = await startFakeProvider({ faults: { oversized: 1, oversizedChars: 200_000 } });
    try {
      const model = createRemoteModel({ name: 'm', ref: `compat:${rogue.baseUrl}#tiny` }, {});
      const error = (await model.generate({ messages: [{ role: 'user', content: 'hi' }], output: { kind: 'text' }, maxTokens: 16, temperature: 0 }).catch((e) => e)) as ModelCallError;
      expect(error.code).toBe('ANSWER_TOO_LONG');
      expect(error.isRetryable).toBe(false);
      expect(error.billed!.usage.outputTokens).toBeGreaterThan(50_000);
    } finally {
      await rogue.close();
    }
  });
});
