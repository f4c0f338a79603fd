import type { RungSummary } from '../core/results.js';
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
