import { describe, expect, it } from 'vitest';
import { analyzeCosts } from './cost-analysis.js';
import { estimatePilot } from './estimate-pilot.js';
import { priceUsage, createUsagePricer } from './price-usage.js';
import { fakeSummary } from './test-fixtures.js';

const task = {
  monthlyVolume: 100_000,
  execution: { concurrency: 2, timeoutMs: 1000, retries: 0, maxTokens: 64 },
  models: [
    { name: 'mini', ref: 'openai:gpt-5-mini' },
    { name: 'tiny', ref: 'compat:http://127.0.0.1:8080/v1#tiny' },
    { name: 'local', ref: 'local:smollm2-135m' },
  ],
};

describe('analyzeCosts', () => {
  it('prices each rung at the task volume, amortizes one-off costs and keeps unpriced rungs as results', () => {
    const usage = { inputTokens: 1000, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 100 };
    const analysis = analyzeCosts(
      [
        fakeSummary({ rungId: 'zs', modelRef: 'openai:gpt-5-mini', usagePerRequest: usage }),
        fakeSummary({ rungId: 'compat', modelRef: 'compat:http://127.0.0.1:8080/v1#tiny', usagePerRequest: usage }),
        fakeSummary({
          rungId: 'lora', level: 5, hosting: 'local', modelRef: 'local:smollm2-135m',
          latencyMs: { p50: 200, p95: 400, mean: 250 },
          fixedCosts: [{ what: 'teacher labelling', usd: 6 }, { what: 'training', computeSeconds: 3600 }, { what: 'mystery' }],
        }),
      ],
      task,
      { hardware: { name: 'box', usdPerHour: 0.1, source: { origin: 'test' } } },
    );
    const [zs, compat, lora] = analysis.rungs;
    // (1000 × 0.25 + 100 × 2) / 1M = $0.00045/request → $45/month → $0.45 per 1k
    expect(zs.monthlyUsd).toBeCloseTo(45, 9);
    expect(zs.costPer1kUsd).toBeCloseTo(0.45, 9);
    expect(compat).toMatchObject({ status: 'unpriced', unpricedReason: expect.stringMatching(/price/) });
    // one-off: $6 + 1 h × $0.10 = $6.10 → /12 per month; compute: capacity 2 × 1000 / 250 ms = 8 answers/s,
    // so a request costs $0.10 / (8 × 3600) and 100k of them $0.347
    const perRequest = 0.1 / (8 * 3600);
    expect(lora.oneOffUsd).toBeCloseTo(6.1, 9);
    expect(lora.unpricedFixedCosts).toEqual(['mystery']);
    expect(lora.capacity).toMatchObject({ answersPerSecond: 8, source: 'latency' });
    expect(lora.monthlyUsd).toBeCloseTo(100_000 * perRequest + 6.1 / 12, 9);
    expect(analysis.breakEvens).toHaveLength(1); // only the priced pair
    expect(analysis.breakEvens[0].volume).toBeCloseTo(6.1 / 12 / (0.00045 - perRequest), 0);
    expect(analysis.sweep.some((r) => r.volume === 100_000)).toBe(true);
  });
});

describe('priceUsage', () => {
  it('prices spend for the budget ceiling: API usage in USD, local 0, unknown undefined', () => {
    const usage = { inputTokens: 2000, cachedInputTokens: 1000, cacheWriteTokens: 0, outputTokens: 500 };
    expect(priceUsage({ name: 'm', ref: 'openai:gpt-5-mini' }, usage)).toBeCloseTo((1000 * 0.25 + 1000 * 0.025 + 500 * 2) / 1e6, 12);
    expect(priceUsage({ name: 'm', ref: 'openai:gpt-5-mini' }, usage, { batch: true })).toBeCloseTo((1000 * 0.25 + 1000 * 0.025 + 500 * 2) / 2e6, 12);
    expect(priceUsage({ name: 'l', ref: 'local:smollm2-135m' }, usage)).toBe(0);
    expect(priceUsage({ name: 't', ref: 'compat:http://h/v1#t' }, usage)).toBeUndefined();
    const pricer = createUsagePricer();
    expect(pricer({ name: 't', ref: 'compat:http://h/v1#t', price: { inputPerMTok: 1, outputPerMTok: 1 } }, usage)).toBeCloseTo(2500 / 1e6, 12);
  });
});

describe('estimatePilot', () => {
  it('gives worst-case and expected pilot cost per rung before anything runs', () => {
    const mini = { name: 'mini', ref: 'openai:gpt-5-mini' };
    const est = estimatePilot(
      [
        { rungId: 'few', groups: [{ model: mini, calls: 100, inputTokensPerCall: 1500, maxOutputTokens: 200, expectedOutputTokens: 50, stablePrefixTokens: 1300 }] },
        { rungId: 'compat', groups: [{ model: { name: 't', ref: 'compat:http://h/v1#t' }, calls: 10, inputTokensPerCall: 100, maxOutputTokens: 10 }] },
      ],
      { budgetUsd: 0.05 },
    );
    // worst: 100 × (1500 × 0.25 + 200 × 2) / 1M = $0.0775
    expect(est.rungs[0].maxUsd).toBeCloseTo(0.0775, 10);
    // expected: prefix 1300 → 1,280 cacheable (1024 + 2 × 128); first call uncached, 99 later calls
    // (220 × 0.25 + 1280 × 0.025 + 50 × 2) / 1M = $0.000187 each; first (1500 × 0.25 + 100) / 1M = $0.000475
    expect(est.rungs[0].expectedUsd).toBeCloseTo(0.000475 + 99 * 0.000187, 10);
    expect(est.rungs[1].unpriced).toEqual([expect.objectContaining({ modelRef: 'compat:http://h/v1#t', calls: 10 })]);
    expect(est.total).toMatchObject({ calls: 110, inputTokens: 151_000 });
    expect(est.withinBudget).toBe(false);
  });
});
