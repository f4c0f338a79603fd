import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../../core/context.js';
import { sideUsageOf } from '../../core/rung.js';
import type { ModelSpec } from '../../core/task.js';
import type { Example } from '../../core/types.js';
import { createRemoteModel } from '../../models/remote/index.js';
import { fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { classifierRung } from './classifier-rung.js';

/**
 * The embedding student on a per-token embedding API (OpenAI /v1/embeddings on the fake provider): the training
 * set's embedding is a one-off in dollars, and every prediction's embedding is billed — as the rung's own usage
 * when the rung's model is the embedder, as side usage of the embedder when the rung names another one.
 */
const labels = ['Hardware', 'Access'];
const rows = (split: string, n: number): Example[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${split}-${i}`, input: i % 2 ? `reset my password ${split} ${i}` : `laptop screen cracked ${split} ${i}`, expected: i % 2 ? 'Access' : 'Hardware', meta: {} }));
const task = () => fakeTask({ output: { kind: 'label', labels }, outputKind: 'label', instructions: 'Route.', train: rows('train', 12), test: rows('test', 4), metrics: ['accuracy'], primaryMetric: 'accuracy' });

describe('classifier rung with a remote embedding model', () => {
  let fake: FakeProvider;
  let dir: string;
  let ctx: RunContext;
  const spec: ModelSpec = { name: 'emb', ref: 'openai:text-embedding-3-small', baseUrl: '', price: { inputPerMTok: 0.02, outputPerMTok: 0 } };
  beforeAll(async () => {
    fake = await startFakeProvider();
    dir = mkdtempSync(join(tmpdir(), 'ladder-clf-remote-'));
    spec.baseUrl = fake.baseUrl;
    const base = fakeContext(dir, { emb: createRemoteModel(spec, { OPENAI_API_KEY: 'sk-test-canary-777' }), gen: scriptedModel() });
    ctx = { ...base, models: { ...base.models, spec: (name) => (name === 'emb' ? spec : base.models.spec(name)) } };
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rung model = embedder: training tokens priced once, each prediction carries its billed tokens as usage', async () => {
    const before = fake.counters.tokensServedByModel['text-embedding-3-small']?.input ?? 0;
    const predictor = await classifierRung.create({ id: 'clf-own', kind: 'classifier', model: 'emb', params: {} }).prepare(ctx, task());
    const trainTokens = (fake.counters.tokensServedByModel['text-embedding-3-small']?.input ?? 0) - before;
    const cost = predictor.fixedCosts!.find((c) => c.what.startsWith('embed 12 training inputs'))!;
    expect(cost.tokens!.inputTokens).toBe(trainTokens);
    expect(cost.usd).toBeCloseTo((trainTokens * 0.02) / 1e6, 15);
    const p = await predictor.predict(task().test[0]);
    const served = (fake.counters.tokensServedByModel['text-embedding-3-small']?.input ?? 0) - before - trainTokens;
    expect(p.usage.inputTokens).toBe(served);
    expect(served).toBeGreaterThan(0);
    expect(sideUsageOf(p)).toEqual([]);
    expect(JSON.stringify([predictor.fixedCosts, p, predictor.state])).not.toContain('sk-test-canary');
  });

  it('another embedModel: its tokens are side usage of that model, the rung keeps zero usage of its own', async () => {
    const predictor = await classifierRung.create({ id: 'clf-side', kind: 'classifier', model: 'gen', params: { embedModel: 'emb' } }).prepare(ctx, task());
    const before = fake.counters.tokensServedByModel['text-embedding-3-small']?.input ?? 0;
    const p = await predictor.predict(task().test[1]);
    const served = (fake.counters.tokensServedByModel['text-embedding-3-small']?.input ?? 0) - before;
    expect(p.usage.inputTokens).toBe(0);
    expect(sideUsageOf(p)).toEqual([{ model: 'emb', usage: { inputTokens: served, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 } }]);
  });
});
