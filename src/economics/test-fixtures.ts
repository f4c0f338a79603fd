import type { Estimate, RungSummary } from '../core/results.js';
import type { Usage } from '../core/types.js';

/** A RungSummary with sensible defaults, for tests of economics, advisor and report. */
export function fakeSummary(overrides: Partial<RungSummary> & { rungId: string }): RungSummary {
  const usage: Usage = overrides.usagePerRequest ?? { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 };
  return {
    kind: 'zero-shot',
    level: 1,
    modelRef: 'openai:gpt-5-mini',
    hosting: 'remote',
    examples: 100,
    failed: 0,
    cachedRows: 0,
    metrics: {},
    latencyMs: { p50: 500, p95: 900, mean: 550 },
    usageTotal: usage,
    fixedCosts: [],
    batch: false,
    failures: {},
    ...overrides,
    usagePerRequest: usage,
  };
}

/** The advisor tests' world: a priced CPU box for local models, a monthly volume, one local and one API model. */
export const testBox = { name: 'cpu-box', usdPerHour: 59.57 / 730, source: { origin: 'test' } };
export const TEST_VOLUME = 200_000;
export const testModels = [
  { name: 'local', ref: 'local:smollm2-135m' },
  { name: 'api', ref: 'openai:gpt-5-mini' },
];
/** An accuracy estimate (point, CI low, CI high). */
export const accuracyEstimate = (value: number, low: number, high: number): { accuracy: Estimate } => ({ accuracy: { value, low, high } });
export const onLocalModel = { hosting: 'local' as const, modelRef: 'local:smollm2-135m' };
