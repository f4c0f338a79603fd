import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderError, ModelCallError } from '../../core/errors.js';
import type { GenerateRequest } from '../../core/types.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { createRemoteModel, parseRemoteRef } from './index.js';

const CANARY = 'sk-LADDER-CANARY-7f3e9a1b';
const env = { OPENAI_API_KEY: CANARY, ANTHROPIC_API_KEY: CANARY };
const system = 'You route IT tickets. '.repeat(30);
const ask = (input: string, output: GenerateRequest['output'] = { kind: 'text' }): GenerateRequest => ({
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: input },
  ],
  output,
  maxTokens: 16,
  temperature: 0,
  stablePrefixMessages: 1,
});

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ answers: { 'printer jam': 'hardware' } });
});
afterAll(() => fake.close());

describe('parseRemoteRef', () => {
  it('reads provider refs and compat base URLs', () => {
    expect(parseRemoteRef('openai:gpt-5-mini')).toEqual({ provider: 'openai', modelId: 'gpt-5-mini', baseUrl: undefined });
    expect(parseRemoteRef('compat:http://h:8080/v1/#qwen3:4b')).toEqual({ provider: 'compat', modelId: 'qwen3:4b', baseUrl: 'http://h:8080/v1' });
    expect(() => parseRemoteRef('nope:x')).toThrow(LadderError);
    expect(() => parseRemoteRef('compat:http://h/v1')).toThrow(/compat:<base-url>#<model>/);
  });
});

describe('createRemoteModel', () => {
  it('fails clearly when the API key is missing, naming the env var', () => {
    expect(() => createRemoteModel({ name: 'gpt', ref: 'openai:gpt-5-mini', apiKeyEnv: 'MY_OPENAI_KEY' }, {})).toThrow(/MY_OPENAI_KEY/);
    expect(() => createRemoteModel({ name: 'g', ref: 'google:gemini-2.5-flash' }, {})).toThrow(/GOOGLE_GENERATIVE_AI_API_KEY/);
    expect(createRemoteModel({ name: 'g', ref: 'google:gemini-2.5-flash' }, { GOOGLE_GENERATIVE_AI_API_KEY: 'k-123456' }).fingerprint).toBe('google:gemini-2.5-flash@default');
  });

  it('maps OpenAI usage including cached prompt tokens on a repeated prefix', async () => {
    const model = createRemoteModel({ name: 'gpt', ref: 'openai:gpt-4o-mini', baseUrl: fake.baseUrl }, env);
    const first = await model.generate(ask('printer jam'));
    const second = await model.generate(ask('vpn down'));
    expect(first.text).toBe('hardware');
    expect(first.usage.inputTokens).toBeGreaterThan(100);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
    expect(second.usage.cachedInputTokens).toBeGreaterThan(100);
    expect(second.usage.cachedInputTokens).toBeLessThanOrEqual(second.usage.inputTokens);
    expect(first.latencyMs).toBeGreaterThan(0);
  });

  it('marks the Anthropic stable prefix with cache_control so the second call reads it from cache', async () => {
    const model = createRemoteModel({ name: 'claude', ref: 'anthropic:claude-haiku-4-5', baseUrl: fake.baseUrl }, env);
    const first = await model.generate(ask('printer jam'));
    const second = await model.generate(ask('vpn down'));
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(100);
    expect(first.usage.cachedInputTokens).toBe(0);
    expect(second.usage.cachedInputTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.inputTokens).toBeGreaterThan(second.usage.cachedInputTokens);
  });

  it('constrains labels and JSON through structured output on every provider', async () => {
    const schema = { type: 'object', properties: { team: { type: 'string' } }, required: ['team'] };
    for (const ref of ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'anthropic:claude-3-haiku-20240307', `compat:${fake.baseUrl}#tiny`]) {
      const model = createRemoteModel({ name: 'm', ref, baseUrl: ref.startsWith('compat') ? undefined : fake.baseUrl }, env);
      const label = await model.generate(ask('printer jam', { kind: 'label', labels: ['software', 'hardware'] }));
      expect(label.text, ref).toBe('hardware');
      const json = await model.generate(ask('printer jam', { kind: 'json', schema }));
      expect(JSON.parse(json.text), ref).toHaveProperty('team');
    }
  });

  it('falls back to plain text, once, on a compat server that rejects response_format', async () => {
    const plain = await startFakeProvider({ rejectResponseFormat: true, answers: { 'printer jam': 'hardware' } });
    try {
      const model = createRemoteModel({ name: 'c', ref: `compat:${plain.baseUrl}#tiny` }, {});
      const output = { kind: 'label' as const, labels: ['software', 'hardware'] };
      expect((await model.generate(ask('printer jam', output))).text).toBe('hardware');
      expect((await model.generate(ask('printer jam', output))).text).toBe('hardware');
      expect(plain.count('POST /v1/chat/completions', 400)).toBe(1);
      expect(plain.count('POST /v1/chat/completions', 200)).toBe(2);
    } finally {
      await plain.close();
    }
  });

  it('embeds where the provider can and leaves embed undefined where it cannot', async () => {
    const openai = createRemoteModel({ name: 'e', ref: 'openai:text-embedding-3-small', baseUrl: fake.baseUrl }, env);
    const vectors = await openai.embed!(['a', 'b']);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toBeInstanceOf(Float32Array);
    expect(createRemoteModel({ name: 'c', ref: 'anthropic:claude-haiku-4-5' }, env).embed).toBeUndefined();
  });

  it('keeps the fingerprint stable and secret-free', () => {
    const spec = { name: 'c', ref: `compat:${fake.baseUrl}#tiny`, apiKeyEnv: 'K', headers: { authorization: 'Bearer hdr-secret-1234' } };
    const a = createRemoteModel(spec, { K: CANARY });
    const b = createRemoteModel(spec, { K: 'another-key-5678' });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toContain('tiny');
    expect(a.fingerprint).not.toContain(CANARY);
    expect(a.fingerprint).not.toContain('hdr-secret');
  });
});

describe('errors from the provider', () => {
  it('maps 429 with Retry-After to a retryable ModelCallError', async () => {
    const limited = await startFakeProvider({ faults: { rateLimit: 1, retryAfterMs: 1500 } });
    try {
      const model = createRemoteModel({ name: 'gpt', ref: 'openai:gpt-4o-mini', baseUrl: limited.baseUrl }, env);
      const error = await model.generate(ask('x')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', isRetryable: true, retryAfterMs: 1500 });
    } finally {
      await limited.close();
    }
  });

  it('never lets the API key out, even when the server echoes it in an error', async () => {
    const strict = await startFakeProvider({ apiKey: 'the-right-key' });
    try {
      for (const ref of ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', `compat:${strict.baseUrl}#tiny`]) {
        const model = createRemoteModel({ name: 'm', ref, baseUrl: ref.startsWith('compat') ? undefined : strict.baseUrl, apiKeyEnv: 'KEY' }, { KEY: CANARY });
        const error = await model.generate(ask('x')).catch((e: unknown) => e);
        expect(error, ref).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).status).toBe(401);
        expect(inspect(error, { depth: 10 }), ref).not.toContain(CANARY);
        expect(JSON.stringify(error)).not.toContain(CANARY);
        expect(JSON.stringify(model)).not.toContain(CANARY);
      }
      // The key was sent, so the hygiene above is not vacuous.
      expect([...strict.counters.authHeaders].some((h) => h.includes(CANARY))).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('rejects promptly when aborted', async () => {
    const slow = await startFakeProvider({ latencyMs: 5_000 });
    try {
      const model = createRemoteModel({ name: 'gpt', ref: 'openai:gpt-4o-mini', baseUrl: slow.baseUrl }, env);
      const started = performance.now();
      const error = await model.generate(ask('x'), AbortSignal.timeout(50)).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error).toMatchObject({ code: 'TIMEOUT', isRetryable: true });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      await expect(model.generate(ask('x'), controller.signal)).rejects.toMatchObject({ code: 'ABORTED', isRetryable: false });
    } finally {
      await slow.close();
    }
  });
});
