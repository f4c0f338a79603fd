import { describe, expect, it } from 'vitest';
import { analyzeCosts } from './cost-analysis.js';
import { fakeSummary } from './test-fixtures.js';

// A local generator with a remote embedder: the machine prices the answer, the embedding API bills each question.
const box = { name: 'box', usdPerHour: 0.36, source: { origin: 'test' } };
const task = {
  monthlyVolume: 1_000_000,
  execution: { concurrency: 1, timeoutMs: 1000, retries: 0, maxTokens: 64 },
  models: [
    { name: 'small', ref: 'local:smollm2-135m' },
    { name: 'emb', ref: 'compat:http://127.0.0.1:9/v1#embedder', price: { inputPerMTok: 0.02, outputPerMTok: 0 } },
    { name: 'free', ref: 'compat:http://127.0.0.1:9/v1#unpriced-embedder' },
  ],
};
const side = (model: string, tokens: number) => [{ model, usage: { inputTokens: tokens, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 } }];
const rag = (model = 'emb', tokens = 50) =>
  fakeSummary({ rungId: 'rag', level: 3, hosting: 'local', modelRef: 'local:smollm2-135m', latencyMs: { p50: 100, p95: 100, mean: 100 }, throughput: { answersPerSecond: 10, concurrency: 1, source: 'measured' }, sideUsagePerRequest: side(model, tokens) });

describe('side usage (a remote query embedding) in the cost per request', () => {
  it('adds the embedder tokens at the embedder price to a self-hosted rung, per request and per month', () => {
    const [r] = analyzeCosts([rag()], task, { hardware: box }).rungs;
    const machine = box.usdPerHour / (10 * 3600);
    const embedding = (50 * 0.02) / 1e6;
    expect(r.request.kind).toBe('hardware');
    expect(r.request.kind === 'hardware' && r.request.sideUsd).toBeCloseTo(embedding, 15);
    expect(r.request.kind === 'hardware' && r.request.usd).toBeCloseTo(machine + embedding, 15);
    expect(r.monthlyUsd).toBeCloseTo(1_000_000 * (machine + embedding), 9);
  });

  it('a dedicated replica still pays the embedding per request (only the machine part is in the replica)', () => {
    const [r] = analyzeCosts([rag()], task, { hardware: box, selfHosting: { mode: 'dedicated', minReplicas: 1 } }).rungs;
    expect(r.curve!.perRequestUsd).toBeCloseTo((50 * 0.02) / 1e6, 15);
    expect(r.curve!.replica).toBeDefined();
  });

  it('an embedder without a price leaves the rung unpriced, naming it, instead of a price that leaves it out', () => {
    const [r] = analyzeCosts([rag('free')], task, { hardware: box }).rungs;
    expect(r.status).toBe('unpriced');
    expect(r.request.kind === 'unpriced' && r.request.reason).toMatch(/^free \(compat:.*unpriced-embedder\), called for every request: no price/);
  });

  it('no side usage: the cost is what it was', () => {
    const plain = fakeSummary({ rungId: 'rag', level: 3, hosting: 'local', modelRef: 'local:smollm2-135m', latencyMs: { p50: 100, p95: 100, mean: 100 }, throughput: { answersPerSecond: 10, concurrency: 1, source: 'measured' } });
    const [r] = analyzeCosts([plain], task, { hardware: box }).rungs;
    expect(r.request.kind === 'hardware' && r.request.sideUsd).toBeUndefined();
    expect(r.request.kind === 'hardware' && r.request.usd).toBeCloseTo(box.usdPerHour / (10 * 3600), 15);
  });
});
