import { describe, expect, it } from 'vitest';
import { costPerRequest, priceTokens } from './cost-per-request.js';
import { resolvePricing } from './prices/resolve-pricing.js';
import { fakeSummary } from './test-fixtures.js';
import type { TokenPricing } from './prices/types.js';

const mini = resolvePricing({ name: 'mini', ref: 'openai:gpt-5-mini' }) as TokenPricing;
const sonnet = resolvePricing({ name: 'sonnet', ref: 'anthropic:claude-sonnet-4-5' }) as TokenPricing;

describe('resolvePricing', () => {
  it('reads per-token prices from the bundled catalog by model ref', () => {
    expect(mini).toMatchObject({ kind: 'tokens', provider: 'openai', inputPerMTok: 0.25, cacheReadPerMTok: 0.025, outputPerMTok: 2, batchMultiplier: 0.5, minCacheableTokens: 1024 });
    expect(sonnet).toMatchObject({ inputPerMTok: 3, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, outputPerMTok: 15 });
    expect(sonnet.tiers[0]).toMatchObject({ startInputTokens: 200000, inputPerMTok: 6, outputPerMTok: 22.5 });
    expect(resolvePricing({ name: 'f', ref: 'google:gemini-2.5-flash' })).toMatchObject({ inputPerMTok: 0.3, outputPerMTok: 2.5, cacheReadPerMTok: 0.03 });
    expect(mini.source.origin).toMatch(/genai-prices/);
  });

  it('returns a structured unpriced result for an OpenAI-compatible URL or unknown model', () => {
    expect(resolvePricing({ name: 'c', ref: 'compat:http://127.0.0.1:8080/v1#tiny' })).toMatchObject({ kind: 'unpriced', reason: expect.stringMatching(/price/) });
    expect(resolvePricing({ name: 'x', ref: 'openai:no-such-model-zz' }).kind).toBe('unpriced');
  });

  it('lets ModelSpec.price overrides win, field by field', () => {
    const p = resolvePricing({ name: 'c', ref: 'compat:http://h/v1#m', price: { inputPerMTok: 1, outputPerMTok: 4 } }) as TokenPricing;
    expect(p).toMatchObject({ kind: 'tokens', inputPerMTok: 1, outputPerMTok: 4, cacheReadPerMTok: 1, cacheWritePerMTok: 1 });
    const q = resolvePricing({ name: 'm', ref: 'openai:gpt-5-mini', price: { outputPerMTok: 3 } }) as TokenPricing;
    expect(q).toMatchObject({ inputPerMTok: 0.25, outputPerMTok: 3, cacheReadPerMTok: 0.025 });
  });

  it('prices local models by the hour of their hardware', () => {
    const p = resolvePricing({ name: 'l', ref: 'local:smollm2-135m' }, { hardware: 'l4' });
    expect(p).toMatchObject({ kind: 'hardware', hardware: { name: 'l4', usdPerHour: 0.8 } });
  });
});

describe('costPerRequest (worked by hand)', () => {
  // economics.md §6 A: S=1,500 (1,408 cacheable), D=300, O=200, hit rate 0.9 → $0.000565 per request.
  const measured = { inputTokens: 1800, cachedInputTokens: 0.9 * 1408, cacheWriteTokens: 0, outputTokens: 200 };

  it('prices cached input at the cache-read rate: gpt-5-mini, 90% prefix hits', () => {
    // uncached 532.8 × 0.25 + cached 1267.2 × 0.025 + 200 × 2.00, per 1M
    const expected = (532.8 * 0.25 + 1267.2 * 0.025 + 200 * 2) / 1e6;
    const cost = costPerRequest(fakeSummary({ rungId: 'few', usagePerRequest: measured }), mini);
    expect(cost.kind).toBe('tokens');
    expect(cost.kind === 'tokens' && cost.usd).toBeCloseTo(0.00056488, 10);
    expect(expected).toBeCloseTo(0.000565, 6);
  });

  it('prices the same prompt without cache hits at the full input rate', () => {
    const cost = costPerRequest(fakeSummary({ rungId: 'z', usagePerRequest: { ...measured, cachedInputTokens: 0 } }), mini);
    expect(cost.kind === 'tokens' && cost.usd).toBeCloseTo((1800 * 0.25 + 200 * 2) / 1e6, 12); // 0.00085
  });

  it('halves every term through the batch API', () => {
    const cost = costPerRequest(fakeSummary({ rungId: 'b', usagePerRequest: measured }), mini, { batch: true });
    expect(cost.kind === 'tokens' && cost.usd).toBeCloseTo(0.00056488 / 2, 10);
    expect(cost.kind === 'tokens' && cost.batch).toBe(true);
  });

  it('bills Anthropic cache writes at the write rate', () => {
    const c = priceTokens(sonnet, { inputTokens: 5000, cachedInputTokens: 0, cacheWriteTokens: 4000, outputTokens: 100 }, false);
    expect(c.breakdown.cacheWrite).toBeCloseTo((4000 * 3.75) / 1e6, 12);
    expect(c.usd).toBeCloseTo((1000 * 3 + 4000 * 3.75 + 100 * 15) / 1e6, 12); // 0.0195
  });

  it('applies a long-context tier to every token of a long request', () => {
    const c = priceTokens(sonnet, { inputTokens: 250_000, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 100 }, false);
    expect(c.tierStart).toBe(200_000);
    expect(c.usd).toBeCloseTo((250_000 * 6 + 100 * 22.5) / 1e6, 10);
  });

  it('prices a local request from hardware $/h and measured throughput', () => {
    const hw = resolvePricing({ name: 'l', ref: 'local:x' }, { hardware: { name: 'box', usdPerHour: 0.36, source: { origin: 'test' } } });
    // concurrency 4, mean latency 2,000 ms → 7,200 requests/h → $0.36 / 7,200 = $0.00005
    const c = costPerRequest(fakeSummary({ rungId: 'l', latencyMs: { p50: 1900, p95: 2500, mean: 2000 } }), hw, { concurrency: 4 });
    expect(c).toMatchObject({ kind: 'hardware', requestsPerHour: 7200 });
    expect(c.kind === 'hardware' && c.usd).toBeCloseTo(0.00005, 12);
  });
});
